/**
 * DockerApiLike over dockerode: the real engine (Docker, or Podman's compatible service).
 * Podman-only endpoints (pods, on-demand health checks) go through the libpod API on the same socket.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { c as tarCreate } from 'tar';
import type {
  ContainerInspect,
  ContainerSummary,
  CreateContainerBody,
  DockerApiLike,
  EngineEvent,
  EngineRuntimes,
  ExecResult,
  LogOptions,
  LogStreamOptions,
  PodInfo,
} from './docker-api.js';
import { statusCodeOf } from './errors.js';
import { toLibpodSpec } from './libpod-spec.js';
import { demuxDockerStream } from './stream-demux.js';

/** libpod paths need a version prefix; 4.0.0 is served by every podman 4.x and 5.x. */
const LIBPOD = '/v4.0.0/libpod';

interface DialOptions {
  path: string;
  method: 'GET' | 'POST' | 'DELETE';
  options?: Record<string, unknown>;
  statusCodes: Record<number, boolean | string>;
}

interface Modem {
  dial(options: DialOptions, callback: (error: unknown, data: unknown) => void): void;
  followProgress(stream: NodeJS.ReadableStream, onFinished: (error: unknown, output: unknown[]) => void): void;
}

function ignoreStatus(error: unknown, ...codes: number[]): void {
  const status = statusCodeOf(error);
  if (status === undefined || !codes.includes(status)) throw error;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as Readable) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

export class DockerodeApi implements DockerApiLike {
  readonly #socketPath: string;
  readonly #timeoutMs: number | undefined;
  #client: Docker | undefined;
  readonly #podman: boolean;

  constructor(socketPath: string, options: { podman: boolean; timeoutMs?: number }) {
    this.#socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs;
    this.#podman = options.podman;
  }

  /** dockerode (~27 MB with its dependencies) loads with the first request, not at start-up. */
  get #docker(): Docker {
    if (!this.#client) {
      const DockerClass = createRequire(import.meta.url)('dockerode') as typeof Docker;
      this.#client = new DockerClass({ socketPath: this.#socketPath, ...(this.#timeoutMs ? { timeout: this.#timeoutMs } : {}) });
    }
    return this.#client;
  }

  get #modem(): Modem {
    return this.#docker.modem as unknown as Modem;
  }

  async ping(): Promise<void> {
    // No socket, no engine: said without loading the client (the usual case on a host without one).
    if (!existsSync(this.#socketPath)) throw Object.assign(new Error(`connect ENOENT ${this.#socketPath}`), { code: 'ENOENT' });
    await this.#docker.ping();
  }

  async runtimes(): Promise<EngineRuntimes | undefined> {
    const info = (await this.#docker.info()) as { Runtimes?: Record<string, { path?: unknown } | null> | null; DefaultRuntime?: unknown };
    if (!info.Runtimes) return undefined;
    return {
      ...(typeof info.DefaultRuntime === 'string' ? { default: info.DefaultRuntime } : {}),
      available: Object.fromEntries(
        Object.entries(info.Runtimes).map(([name, r]) => [name, typeof r?.path === 'string' ? r.path : undefined] as const),
      ),
    };
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.#docker.getImage(ref).inspect();
      return true;
    } catch (error) {
      ignoreStatus(error, 404);
      return false;
    }
  }

  async #follow(stream: NodeJS.ReadableStream): Promise<void> {
    const output = await new Promise<unknown[]>((resolve, reject) =>
      this.#modem.followProgress(stream, (error, out) => (error ? reject(error) : resolve(out))),
    );
    // Build/pull report failures inside the stream with a 200 status.
    for (const item of output) {
      const e = item as { error?: unknown; errorDetail?: { message?: unknown } };
      if (e.error !== undefined) {
        throw Object.assign(new Error(String(e.errorDetail?.message ?? e.error)), { statusCode: 500 });
      }
    }
  }

  async pullImage(ref: string): Promise<void> {
    await this.#follow(await this.#docker.pull(ref));
  }

  async importImage(tarPath: string, repo: string, tag: string): Promise<void> {
    await this.#follow(await this.#docker.importImage(createReadStream(tarPath), { repo, tag }));
  }

  async loadImage(tarPath: string): Promise<void> {
    await this.#follow(await this.#docker.loadImage(createReadStream(tarPath)));
  }

  async buildImage(contextDir: string, ref: string): Promise<void> {
    const context = tarCreate({ cwd: contextDir, gzip: false }, ['.']) as unknown as NodeJS.ReadableStream;
    // No registry here: builds never touch the network.
    await this.#follow(await this.#docker.buildImage(context, { t: ref, networkmode: 'none' }));
  }

  async tagImage(source: string, repo: string, tag: string): Promise<void> {
    await this.#docker.getImage(source).tag({ repo, tag });
  }

  async createContainer(body: CreateContainerBody, options: { pod?: string } = {}): Promise<string> {
    if (options.pod) {
      this.#requirePodman();
      const created = await this.#dial<{ Id: string }>({
        path: `${LIBPOD}/containers/create`,
        method: 'POST',
        options: toLibpodSpec(body, options.pod) as unknown as Record<string, unknown>,
        statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
      });
      return created.Id;
    }
    const container = await this.#docker.createContainer(body as unknown as Docker.ContainerCreateOptions);
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).start();
    } catch (error) {
      ignoreStatus(error, 304); // already running
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.#docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (error) {
      ignoreStatus(error, 304, 404); // already stopped / gone
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      ignoreStatus(error, 404);
    }
  }

  async inspectContainer(idOrName: string): Promise<ContainerInspect | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#docker.getContainer(idOrName).inspect()) as unknown as ContainerInspect;
      } catch (error) {
        // Podman answers 500 "read /proc/<pid>/cgroup: no such process" when the container exits
        // while it is inspected: a race on its side, so ask again (bounded).
        if (attempt < 5 && statusCodeOf(error) === 500 && /no such process/.test(String((error as { message?: unknown }).message))) {
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        ignoreStatus(error, 404);
        return undefined;
      }
    }
  }

  async listContainers(labels: string[]): Promise<ContainerSummary[]> {
    const list = await this.#docker.listContainers({ all: true, filters: { label: labels } });
    return list as unknown as ContainerSummary[];
  }

  async logs(id: string, options: LogOptions): Promise<{ stdout: string; stderr: string }> {
    const raw = (await this.#docker.getContainer(id).logs({
      stdout: true,
      stderr: true,
      follow: false,
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
    })) as unknown as Buffer | string;
    return demuxDockerStream(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  }

  async logStream(id: string, options: LogStreamOptions): Promise<NodeJS.ReadableStream> {
    const base = { stdout: true, stderr: true, ...(options.tail !== undefined ? { tail: options.tail } : {}), ...(options.sinceSeconds !== undefined ? { since: options.sinceSeconds } : {}) };
    if (options.follow) return this.#docker.getContainer(id).logs({ ...base, follow: true });
    // Without follow dockerode buffers the whole answer; hand it on as a one-chunk stream.
    const raw = (await this.#docker.getContainer(id).logs({ ...base, follow: false })) as unknown as Buffer | string;
    return Readable.from([Buffer.isBuffer(raw) ? raw : Buffer.from(raw)]);
  }

  async execStream(id: string, command: string[], options: { tty?: boolean } = {}): Promise<{ stream: NodeJS.ReadableStream; exitCode: () => Promise<number> }> {
    const exec = await this.#docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, ...(options.tty ? { Tty: true } : {}) });
    const stream = await exec.start({ hijack: true, stdin: false, ...(options.tty ? { Tty: true } : {}) });
    return { stream, exitCode: async () => (await exec.inspect()).ExitCode ?? -1 };
  }

  async exec(id: string, command: string[], options: { tty?: boolean } = {}): Promise<ExecResult> {
    const exec = await this.#docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, ...(options.tty ? { Tty: true } : {}) });
    const stream = await exec.start({ hijack: true, stdin: false });
    const { stdout, stderr } = demuxDockerStream(await collect(stream));
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout, stderr };
  }

  async events(onEvent: (event: EngineEvent) => void, onEnd: (error?: unknown) => void): Promise<() => void> {
    const stream = (await this.#docker.getEvents({ filters: { type: ['container'] } })) as unknown as Readable;
    let pending = '';
    let ended = false;
    const finish = (error?: unknown): void => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) {
          try {
            onEvent(JSON.parse(line) as EngineEvent);
          } catch {
            // A torn or foreign line must not end the stream.
          }
        }
        newline = pending.indexOf('\n');
      }
    });
    stream.on('error', (error) => finish(error));
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    return () => {
      ended = true;
      stream.destroy();
    };
  }

  #dial<T>(options: DialOptions): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.#modem.dial(options, (error, data) => (error ? reject(error) : resolve(data as T))),
    );
  }

  async createPod(
    name: string,
    labels: Record<string, string>,
    ports: CreateContainerBody['HostConfig']['PortBindings'],
  ): Promise<PodInfo> {
    this.#requirePodman();
    const portmappings = Object.entries(ports ?? {}).flatMap(([key, bindings]) => {
      const [port, protocol] = key.split('/');
      return bindings.map((b) => ({
        container_port: Number(port),
        host_port: Number(b.HostPort ?? port),
        protocol: protocol ?? 'tcp',
        ...(b.HostIp ? { host_ip: b.HostIp } : {}),
      }));
    });
    await this.#dial<{ Id: string }>({
      path: `${LIBPOD}/pods/create`,
      method: 'POST',
      options: { name, labels, portmappings },
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 409: 'pod exists', 500: 'server error' },
    });
    const info = await this.inspectPod(name);
    if (!info) throw Object.assign(new Error(`pod ${name} vanished after creation`), { statusCode: 500 });
    return info;
  }

  async inspectPod(name: string): Promise<PodInfo | undefined> {
    this.#requirePodman();
    try {
      const data = await this.#dial<{ Id: string; Name: string; InfraContainerID?: string }>({
        path: `${LIBPOD}/pods/${encodeURIComponent(name)}/json`,
        method: 'GET',
        statusCodes: { 200: true, 404: 'no such pod', 500: 'server error' },
      });
      return { id: data.Id, name: data.Name, ...(data.InfraContainerID ? { infraId: data.InfraContainerID } : {}) };
    } catch (error) {
      ignoreStatus(error, 404);
      return undefined;
    }
  }

  async removePod(name: string): Promise<void> {
    this.#requirePodman();
    try {
      await this.#dial({
        path: `${LIBPOD}/pods/${encodeURIComponent(name)}?`,
        method: 'DELETE',
        options: { force: true },
        statusCodes: { 200: true, 404: 'no such pod', 500: 'server error' },
      });
    } catch (error) {
      ignoreStatus(error, 404);
    }
  }

  async runHealthcheck(id: string): Promise<string> {
    this.#requirePodman();
    const data = await this.#dial<{ Status?: string }>({
      path: `${LIBPOD}/containers/${encodeURIComponent(id)}/healthcheck`,
      method: 'GET',
      statusCodes: { 200: true, 404: 'no such container', 409: 'no healthcheck', 500: 'server error' },
    });
    return data.Status ?? 'unknown';
  }

  #requirePodman(): void {
    if (!this.#podman) throw Object.assign(new Error('this call needs the podman (libpod) API'), { statusCode: 400 });
  }
}
