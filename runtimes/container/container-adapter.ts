/**
 * ContainerAdapter: the RuntimeAdapter for containers over the Docker-compatible API, in two
 * configurations (podman, docker). Workloads are found again by labels (list() = re-attach),
 * ensure() is idempotent through a spec hash label, and every engine failure leaves as a coded error.
 */
import { systemClock } from '../../common/index.js';
import type { Clock } from '../../common/index.js';
import type { EnsureOptions, ExecOptions, ExecSession, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import type { ContainerSpec, ObservedWorkload, WorkloadId, WorkloadSpec } from '../workload.js';
import type { ContainerInspect, DockerApiLike, EngineRuntimes, PodInfo } from './docker-api.js';
import { DockerodeApi } from './dockerode-api.js';
import type { ContainerEngineConfig } from './engine-config.js';
import { containerName, labelKeys, podName, portBindings, specHash, toCreateBody, validateContainerSpec } from './container-spec.js';
import { badSpec, classifyEngineError, ContainerErrorCode, isPortInUse, portTaken } from './errors.js';
import { EventFeed } from './event-feed.js';
import { ensureImage } from './image-source.js';
import { toObserved } from './observed.js';
import { containerExec, containerLogs } from './container-io.js';
import type { ContainerIoContext } from './container-io.js';
import { KhutulunError } from '../../common/index.js';
import { checkSandbox, ociRuntimeOf } from './sandbox.js';
import { existsSync } from 'node:fs';
import type { FirewallGuard } from '../firewall/index.js';

export interface ContainerAdapterOptions {
  config: ContainerEngineConfig;
  /** Defaults to dockerode on config.socketPath. */
  api?: DockerApiLike;
  clock?: Clock;
  onError?: (error: unknown) => void;
  /**
   * Opens the workload's reserved ports that name a firewallZone after it starts and closes them
   * when it is removed (runtimes/firewall). Absent = ports are not guarded.
   */
  firewall?: FirewallGuard;
  /** Whether the engine's host has /dev/kvm (sandbox kata); default: look at /dev/kvm here (a unix-socket engine is local). */
  hasKvm?: () => boolean;
  /** The API on another socket of the same engine (runtimeSockets); default dockerode. */
  apiFor?: (socketPath: string) => DockerApiLike;
  /** Whether a runtime binary the engine names exists (a unix-socket engine is local); default existsSync. */
  pathExists?: (path: string) => boolean;
}

/** Containers we are stopping ourselves: their exit is a stop, not a failure (bounded memory). */
const MAX_STOPPING = 1024;

const DEFAULT_STOP_MS = 10_000;

const RUNTIME_TABLE_TTL_MS = 60_000;

async function classified<T>(fn: () => Promise<T>, context: Parameters<typeof classifyEngineError>[1]): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw classifyEngineError(error, context);
  }
}

export class ContainerAdapter implements RuntimeAdapter {
  readonly name: string;
  readonly config: ContainerEngineConfig;
  readonly #api: DockerApiLike;
  readonly #keys: ReturnType<typeof labelKeys>;
  readonly #feed: EventFeed;
  readonly #firewall: FirewallGuard | undefined;
  readonly #stopping = new Set<string>();
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #hasKvm: () => boolean;
  readonly #pathExists: (path: string) => boolean;
  readonly #makeApi: (socketPath: string) => DockerApiLike;
  readonly #runtimeApis = new Map<string, DockerApiLike>();
  /** Engine runtime tables, asked at most once a minute per API (podman's /info takes over a second). */
  readonly #tables = new Map<DockerApiLike, { at: number; table: EngineRuntimes | undefined }>();
  readonly #clock: Clock;
  #unfollow: (() => void) | undefined;

  constructor(options: ContainerAdapterOptions) {
    this.config = options.config;
    this.#firewall = options.firewall;
    this.#onError = options.onError;
    this.#hasKvm = options.hasKvm ?? (() => existsSync('/dev/kvm'));
    this.#pathExists = options.pathExists ?? existsSync;
    this.#clock = options.clock ?? systemClock;
    this.name = options.config.name;
    this.#makeApi = options.apiFor ?? ((socketPath) => new DockerodeApi(socketPath, { podman: options.config.name === 'podman' }));
    this.#api = options.api ?? this.#makeApi(options.config.socketPath);
    this.#keys = labelKeys(options.config.labelPrefix);
    this.#feed = new EventFeed({
      api: this.#api,
      clock: options.clock ?? systemClock,
      managedLabel: this.#keys.managed,
      hostLabel: this.#keys.host,
      hostId: this.config.hostId,
      workloadLabel: this.#keys.workload,
      observe: async (containerId, workload) => {
        const inspect = await this.#api.inspectContainer(containerId);
        let observed: ObservedWorkload = inspect
          ? this.#toObserved(inspect, workload)
          : { id: workload, runtime: this.name, state: 'stopped', handle: containerId };
        if (this.#stopping.has(containerId) && (observed.state === 'failed' || observed.state === 'exited')) {
          const { cause: _cause, ...rest } = observed;
          observed = { ...rest, state: 'stopped' };
        }
        if (!inspect) this.#stopping.delete(containerId);
        return { workload, observed };
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Runs an engine call, turning its failures into coded errors. */
  async #call<T>(what: string, fn: () => Promise<T>, extra: { image?: string; port?: number | string } = {}): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyEngineError(error, { engine: this.name, socketPath: this.config.socketPath, what, ...extra });
    }
  }

  #toObserved(inspect: ContainerInspect, fallbackId?: string): ObservedWorkload {
    return toObserved(inspect, {
      runtime: this.name,
      labelPrefix: this.config.labelPrefix,
      ...(fallbackId !== undefined ? { fallbackId } : {}),
    });
  }

  async ready(): Promise<void> {
    await this.#call('ping', () => this.#api.ping());
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec, options: EnsureOptions = {}): Promise<ObservedWorkload> {
    validateContainerSpec(spec);
    options.signal?.throwIfAborted();
    const runtime = ociRuntimeOf(spec, this.config.sandbox);
    if (runtime !== undefined) await this.#checkSandbox(spec, runtime);
    const name = containerName(id);
    const hash = specHash(spec);
    const existing = await this.#call('inspect', () => this.#api.inspectContainer(name));
    if (existing) {
      const labels = existing.Config.Labels ?? {};
      if (labels[this.#keys.specHash] === hash && labels[this.#keys.host] === this.config.hostId) {
        // Same spec: make sure it runs, change nothing else.
        if (!existing.State.Running && existing.State.Status !== 'restarting') {
          await this.#start(existing.Id, spec);
        }
        return this.#guard(await this.#observeByName(id, name));
      }
      if (this.#firewall) await this.#firewall.close(this.#toObserved(existing, id).ports);
      const oldTimeout = existing.Config.StopTimeout !== undefined ? existing.Config.StopTimeout * 1000 : undefined;
      await this.#removeContainer(existing.Id, oldTimeout ?? DEFAULT_STOP_MS);
    }
    await this.#call('image', () => ensureImage(this.#api, spec, {
      importIgnoresTag: this.config.quirks.importIgnoresTag,
      ...(options.sourceDir ? { sourceDir: options.sourceDir } : {}),
    }), { image: spec.image });
    options.signal?.throwIfAborted();
    const pod = spec.pod ? await this.#ensurePod(spec) : undefined;
    const body = toCreateBody(id, spec, { config: this.config, ...(pod ? { podName: pod.name } : {}) });
    const creator = this.#createApi(body.HostConfig.Runtime);
    const containerId = await this.#call('create', () => creator.createContainer(body, pod ? { pod: pod.name } : {}), {
      image: spec.image,
    });
    await this.#start(containerId, spec);
    return this.#guard(await this.#observeByName(id, name));
  }

  /** The API that creates containers with this OCI runtime (podman: a service of its own per runtime). */
  #createApi(runtime: string | undefined): DockerApiLike {
    if (runtime === undefined || this.config.quirks.runtimePerContainer) return this.#api;
    const socket = this.config.runtimeSockets[runtime];
    if (socket === undefined) return this.#api; // #checkSandbox has refused it already
    let api = this.#runtimeApis.get(runtime);
    if (!api) {
      api = this.#makeApi(socket);
      this.#runtimeApis.set(runtime, api);
    }
    return api;
  }

  async #runtimeTable(api: DockerApiLike, socketPath: string): Promise<EngineRuntimes | undefined> {
    if (!api.runtimes) return undefined;
    const now = this.#clock.now();
    const cached = this.#tables.get(api);
    if (cached && now - cached.at < RUNTIME_TABLE_TTL_MS) return cached.table;
    const table = await classified(() => api.runtimes!(), { engine: this.name, socketPath, what: 'info' });
    this.#tables.set(api, { at: now, table });
    return table;
  }

  /** Runtimes whose binary is really there (a bare name resolves on the engine's PATH: trusted). */
  #usable(table: EngineRuntimes): string[] {
    return Object.entries(table.available)
      .filter(([, path]) => path === undefined || !path.startsWith('/') || this.#pathExists(path))
      .map(([name]) => name);
  }

  /** A sandbox the engine cannot give fails here, before anything is pulled, replaced or created. */
  async #checkSandbox(spec: ContainerSpec, runtime: string): Promise<void> {
    let engineRuntimes: string[] | undefined;
    const perService = !this.config.quirks.runtimePerContainer;
    if (perService) {
      // Only a service whose default IS this runtime can create such a container.
      engineRuntimes = [];
      const socket = this.config.runtimeSockets[runtime];
      const api = socket !== undefined ? this.#createApi(runtime) : undefined;
      if (api && socket !== undefined) {
        const table = await this.#runtimeTable(api, socket);
        if (table && table.default === runtime && this.#usable(table).includes(runtime)) engineRuntimes = [runtime];
      }
    } else {
      const table = await this.#runtimeTable(this.#api, this.config.socketPath);
      if (table) engineRuntimes = this.#usable(table);
    }
    const problem = checkSandbox(
      spec,
      { engine: this.name, kvm: this.#hasKvm(), route: perService ? 'per-service' : 'per-container', ...(engineRuntimes ? { engineRuntimes } : {}) },
      this.config.sandbox,
    );
    if (problem) throw problem;
  }

  /** Opens the guarded ports with the host ports the engine really bound (idempotent). */
  async #guard(observed: ObservedWorkload): Promise<ObservedWorkload> {
    if (!this.#firewall) return observed;
    if (observed.state === 'running') await this.#firewall.open(observed.ports);
    // From now on follow the engine: a container that exits by itself closes its ports, one that
    // the restart policy brings back opens them again.
    this.#unfollow ??= this.#feed.subscribe((event) => void this.#follow(event));
    return observed;
  }

  async #follow(event: RuntimeEvent): Promise<void> {
    const guard = this.#firewall;
    if (!guard) return;
    const { state, ports } = event.observed;
    try {
      if (state === 'running') await guard.open(ports);
      else if (state === 'exited' || state === 'failed' || state === 'stopped') await guard.close(ports);
    } catch (error) {
      this.#onError?.(error);
    }
  }

  async #start(containerId: string, spec: ContainerSpec): Promise<void> {
    try {
      await this.#api.startContainer(containerId);
    } catch (error) {
      if (isPortInUse(error)) {
        // Leave nothing half-made behind: a created-but-unstartable container would block the name.
        await this.#api.removeContainer(containerId).catch(() => undefined);
        const ports = (spec.ports ?? []).map((p) => p.hostPort).filter(Boolean).join(',');
        throw portTaken(ports || 'unknown', error);
      }
      if (ociRuntimeOf(spec, this.config.sandbox) !== undefined) {
        // A sandbox runtime that cannot start this container leaves no created husk behind.
        await this.#api.removeContainer(containerId).catch(() => undefined);
      }
      throw classifyEngineError(error, { engine: this.name, socketPath: this.config.socketPath, what: 'start' });
    }
  }

  async #ensurePod(spec: ContainerSpec): Promise<PodInfo> {
    const api = this.#api;
    if (!this.config.quirks.supportsPods || !api.createPod || !api.inspectPod) {
      throw badSpec(`pods need the podman engine; ${this.name} has none`, { pod: spec.pod });
    }
    const name = podName(spec.pod!);
    const existing = await this.#call('pod inspect', () => api.inspectPod!(name));
    if (existing) {
      if (!existing.infraId) throw badSpec(`pod ${name} has no infra container to share`, { pod: spec.pod });
      if (spec.ports?.length) {
        // Ports of a pod are published by its infra container, fixed when the pod is created.
        throw badSpec(`pod ${spec.pod} already exists: only its first member may declare ports`, { pod: spec.pod });
      }
      return existing;
    }
    const labels = { [this.#keys.managed]: 'true', [this.#keys.host]: this.config.hostId, [this.#keys.pod]: spec.pod! };
    const created = await this.#call('pod create', () => api.createPod!(name, labels, portBindings(spec.ports)), {
      port: (spec.ports ?? []).map((p) => p.hostPort).join(','),
    });
    if (!created.infraId) throw badSpec(`pod ${name} was created without an infra container`);
    // The infra container holds the namespace; start it so members can join its netns.
    await this.#call('pod start', () => api.startContainer(created.infraId!));
    return created;
  }

  async #observeByName(id: WorkloadId, name: string): Promise<ObservedWorkload> {
    const inspect = await this.#call('inspect', () => this.#api.inspectContainer(name));
    if (!inspect) {
      throw new KhutulunError(ContainerErrorCode.notFound, `container for ${id} vanished right after it was started`, {
        retryable: true,
        hint: 'something removed it concurrently; ensure the workload again',
      });
    }
    return this.#toObserved(inspect, id);
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    const inspect = await this.#call('inspect', () => this.#api.inspectContainer(containerName(id)));
    if (!inspect || (inspect.Config.Labels ?? {})[this.#keys.managed] !== 'true') return undefined;
    return this.#toObserved(inspect, id);
  }

  async #removeContainer(containerId: string, stopTimeoutMs: number): Promise<void> {
    if (this.#stopping.size >= MAX_STOPPING) this.#stopping.delete(this.#stopping.values().next().value!);
    this.#stopping.add(containerId);
    await this.#call('stop', () => this.#api.stopContainer(containerId, Math.ceil(stopTimeoutMs / 1000)));
    await this.#call('remove', () => this.#api.removeContainer(containerId));
  }

  async remove(id: WorkloadId, options: RemoveOptions = {}): Promise<void> {
    const inspect = await this.#call('inspect', () => this.#api.inspectContainer(containerName(id)));
    if (!inspect) return;
    const pod = (inspect.Config.Labels ?? {})[this.#keys.pod];
    if (this.#firewall) await this.#firewall.close(this.#toObserved(inspect, id).ports);
    const specTimeout = inspect.Config.StopTimeout !== undefined ? inspect.Config.StopTimeout * 1000 : undefined;
    await this.#removeContainer(inspect.Id, options.timeoutMs ?? specTimeout ?? DEFAULT_STOP_MS);
    if (pod) await this.#removePodIfEmpty(pod);
  }

  async #removePodIfEmpty(pod: string): Promise<void> {
    const api = this.#api;
    if (!api.removePod) return;
    const members = await this.#call('list', () =>
      api.listContainers([`${this.#keys.pod}=${pod}`, `${this.#keys.host}=${this.config.hostId}`, `${this.#keys.workload}`]),
    );
    if (members.length === 0) await this.#call('pod remove', () => api.removePod!(podName(pod)));
  }

  async list(): Promise<ObservedWorkload[]> {
    const summaries = await this.#call('list', () =>
      this.#api.listContainers([`${this.#keys.managed}=true`, `${this.#keys.host}=${this.config.hostId}`, this.#keys.workload]),
    );
    const observed: ObservedWorkload[] = [];
    for (const summary of summaries) {
      const inspect = await this.#call('inspect', () => this.#api.inspectContainer(summary.Id));
      if (inspect) observed.push(this.#toObserved(inspect));
    }
    return observed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  /** Container output as it comes (follow: until the container stops or `signal` aborts). */
  async *logs(id: WorkloadId, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
    const inspect = await this.#require(id);
    yield* containerLogs(this.#api, inspect.Id, this.#io(), options);
  }

  /** Runs a command inside the running container; its output streams as it is written. */
  async exec(id: WorkloadId, command: readonly string[], options: ExecOptions = {}): Promise<ExecSession> {
    if (command.length === 0) throw badSpec('exec needs a command');
    return containerExec(this.#api, id, () => this.#require(id), this.#io(), command, options);
  }

  #io(): ContainerIoContext {
    return { engine: this.name, socketPath: this.config.socketPath, call: (what, fn) => this.#call(what, fn) };
  }

  /**
   * Runs the health check now and returns its status (healthy/unhealthy/starting). Podman without
   * systemd never runs checks by itself, so the actor calls this on its own interval there.
   */
  async checkHealth(id: WorkloadId): Promise<string> {
    const inspect = await this.#require(id);
    if (this.config.quirks.manualHealthchecks && this.#api.runHealthcheck) {
      const api = this.#api;
      return this.#call('healthcheck', () => api.runHealthcheck!(inspect.Id));
    }
    return inspect.State.Health?.Status ?? 'none';
  }

  async #require(id: WorkloadId): Promise<ContainerInspect> {
    const inspect = await this.#call('inspect', () => this.#api.inspectContainer(containerName(id)));
    if (!inspect) {
      throw new KhutulunError(ContainerErrorCode.notFound, `no container for workload ${id}`, {
        hint: 'ensure the workload first',
        details: { workload: id },
      });
    }
    return inspect;
  }

  async close(): Promise<void> {
    this.#unfollow?.();
    this.#unfollow = undefined;
    this.#feed.close();
  }
}
