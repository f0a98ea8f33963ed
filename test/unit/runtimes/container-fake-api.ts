/**
 * An in-memory Docker-API engine behind DockerApiLike, for fast unit tests of the adapter logic.
 * It imitates what the adapter relies on (names unique, labels, port clashes on start, 404s,
 * events) — the same behaviour is checked against real podman in test/system/.
 */
import type {
  ContainerInspect,
  ContainerSummary,
  CreateContainerBody,
  DockerApiLike,
  EngineEvent,
  ExecResult,
  PodInfo,
} from '../../../runtimes/container/index.js';

interface FakeContainer {
  id: string;
  body: CreateContainerBody;
  pod?: string;
  status: 'created' | 'running' | 'exited';
  exitCode: number;
  startedAt?: string;
  pid: number;
  restarts: number;
}

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode, json: { message } });
}

export class FakeDockerApi implements DockerApiLike {
  images = new Set<string>(['localhost/busybox:latest']);
  containers = new Map<string, FakeContainer>();
  pods = new Map<string, PodInfo>();
  /** Host ports something outside holds: starting a container that binds one fails. */
  busyPorts = new Set<number>();
  /** When set, every call fails like a missing socket. */
  down = false;
  importedWithTag: string[] = [];
  calls: string[] = [];
  #seq = 0;
  #listeners = new Set<(e: EngineEvent) => void>();
  #enders = new Set<(error?: unknown) => void>();
  /** Fails the next events() calls (the engine is restarting). */
  failEvents = 0;

  #check(call: string): void {
    this.calls.push(call);
    if (this.down) throw Object.assign(new Error('connect ENOENT /run/fake.sock'), { code: 'ENOENT' });
  }

  #emit(c: FakeContainer, action: string): void {
    for (const l of this.#listeners) {
      l({ Type: 'container', Action: action, Actor: { ID: c.id, Attributes: { ...c.body.Labels, name: c.body.name } } });
    }
  }

  #find(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.body.name === idOrName);
  }

  /** Simulates the main process exiting. */
  exit(idOrName: string, code: number): void {
    const c = this.#find(idOrName);
    if (!c) throw new Error(`no container ${idOrName}`);
    c.status = 'exited';
    c.exitCode = code;
    this.#emit(c, 'die');
  }

  async ping(): Promise<void> {
    this.#check('ping');
  }
  async imageExists(ref: string): Promise<boolean> {
    this.#check('imageExists');
    return this.images.has(ref.includes(':') ? ref : `${ref}:latest`);
  }
  async pullImage(ref: string): Promise<void> {
    this.#check('pullImage');
    throw httpError(500, `initializing source docker://${ref}: no route to registry`);
  }
  async importImage(_tar: string, repo: string, tag: string): Promise<void> {
    this.#check('importImage');
    this.importedWithTag.push(tag);
    this.images.add(`${repo}:latest`); // like podman: the tag is ignored
  }
  async loadImage(): Promise<void> {
    this.#check('loadImage');
  }
  async buildImage(_dir: string, ref: string): Promise<void> {
    this.#check('buildImage');
    this.images.add(ref);
  }
  async tagImage(source: string, repo: string, tag: string): Promise<void> {
    this.#check('tagImage');
    if (!this.images.has(source)) throw httpError(404, `no such image ${source}`);
    this.images.add(`${repo}:${tag}`);
  }
  async createContainer(body: CreateContainerBody, options: { pod?: string } = {}): Promise<string> {
    this.#check('createContainer');
    if (!this.images.has(body.Image.includes(':') ? body.Image : `${body.Image}:latest`)) throw httpError(404, `no such image ${body.Image}`);
    if (this.#find(body.name)) throw httpError(409, `container name ${body.name} is already in use`);
    const id = `c${(++this.#seq).toString().padStart(63, '0')}`;
    const c: FakeContainer = { id, body, status: 'created', exitCode: 0, pid: 0, restarts: 0, ...(options.pod ? { pod: options.pod } : {}) };
    this.containers.set(id, c);
    this.#emit(c, 'create');
    return id;
  }
  async startContainer(id: string): Promise<void> {
    this.#check('startContainer');
    if (id.startsWith('infra-')) return; // pod infra containers are not modelled
    const c = this.#find(id);
    if (!c) throw httpError(404, `no such container ${id}`);
    for (const bindings of Object.values(c.body.HostConfig.PortBindings ?? {})) {
      for (const b of bindings) {
        if (b.HostPort && this.busyPorts.has(Number(b.HostPort))) {
          throw httpError(500, `rootlessport listen tcp 0.0.0.0:${b.HostPort}: bind: address already in use`);
        }
      }
    }
    c.status = 'running';
    c.pid = 1000 + this.#seq;
    c.startedAt = '2026-01-01T00:00:00Z';
    this.#emit(c, 'start');
  }
  async stopContainer(id: string): Promise<void> {
    this.#check('stopContainer');
    const c = this.#find(id);
    if (c && c.status === 'running') {
      c.status = 'exited';
      c.exitCode = 143;
      this.#emit(c, 'die');
    }
  }
  async removeContainer(id: string): Promise<void> {
    this.#check('removeContainer');
    const c = this.#find(id);
    if (!c) return;
    this.containers.delete(c.id);
    this.#emit(c, 'remove');
  }
  async inspectContainer(idOrName: string): Promise<ContainerInspect | undefined> {
    this.#check('inspectContainer');
    const c = this.#find(idOrName);
    if (!c) return undefined;
    const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const [key, bindings] of Object.entries(c.body.HostConfig.PortBindings ?? {})) {
      ports[key] = bindings.map((b) => ({ HostIp: '0.0.0.0', HostPort: b.HostPort || '40000' }));
    }
    return {
      Id: c.id,
      Name: `/${c.body.name}`,
      Config: { Labels: { ...c.body.Labels }, Image: c.body.Image, ...(c.body.StopTimeout !== undefined ? { StopTimeout: c.body.StopTimeout } : {}) },
      State: {
        Status: c.status,
        Running: c.status === 'running',
        ExitCode: c.exitCode,
        Pid: c.status === 'running' ? c.pid : 0,
        ...(c.startedAt ? { StartedAt: c.startedAt } : {}),
      },
      RestartCount: c.restarts,
      NetworkSettings: { Ports: ports },
    };
  }
  async listContainers(labels: string[]): Promise<ContainerSummary[]> {
    this.#check('listContainers');
    return [...this.containers.values()]
      .filter((c) =>
        labels.every((l) => {
          const eq = l.indexOf('=');
          return eq < 0 ? l in c.body.Labels : c.body.Labels[l.slice(0, eq)] === l.slice(eq + 1);
        }),
      )
      .map((c) => ({ Id: c.id, Names: [`/${c.body.name}`], Labels: c.body.Labels, State: c.status }));
  }
  async logs(): Promise<{ stdout: string; stderr: string }> {
    this.#check('logs');
    return { stdout: 'out\n', stderr: '' };
  }
  async exec(_id: string, command: string[]): Promise<ExecResult> {
    this.#check('exec');
    return { exitCode: 0, stdout: command.join(' '), stderr: '' };
  }
  async events(onEvent: (e: EngineEvent) => void, onEnd: (error?: unknown) => void): Promise<() => void> {
    this.#check('events');
    if (this.failEvents > 0) {
      this.failEvents--;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
    this.#listeners.add(onEvent);
    this.#enders.add(onEnd);
    return () => {
      this.#listeners.delete(onEvent);
      this.#enders.delete(onEnd);
    };
  }
  /** Drops every open event stream, as an engine restart would. */
  dropEventStreams(): void {
    const enders = [...this.#enders];
    this.#listeners.clear();
    this.#enders.clear();
    for (const end of enders) end(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  }
  get eventListeners(): number {
    return this.#listeners.size;
  }
  async createPod(name: string): Promise<PodInfo> {
    this.#check('createPod');
    const infraId = `infra-${name}`;
    const info = { id: `pod-${name}`, name, infraId };
    this.pods.set(name, info);
    return info;
  }
  async inspectPod(name: string): Promise<PodInfo | undefined> {
    this.#check('inspectPod');
    return this.pods.get(name);
  }
  async removePod(name: string): Promise<void> {
    this.#check('removePod');
    this.pods.delete(name);
  }
}
