/**
 * HostEngine: the high-level API the agent and the CLI use on one host.
 *
 *   const engine = new HostEngine({ hostId, store, plugins, runtimes: [new NoopRuntime()] });
 *   await engine.start();                 // resumes actors from their stored status
 *   const report = await engine.deploy('web');   // waves in dependency order; stops at a failure
 *   await engine.undeploy('web');          // reverse order
 *   engine.inspect((e) => console.log(e)); // every transition
 *   await engine.close();
 *
 * deploy/undeploy never throw for a failed vertex: the report says what failed and why. They
 * reject only for unusable input (unknown deployment, a cycle) with a coded error.
 */
import { seededRandom, silentLogger, systemClock, systemRandom, toErrorData } from '../../common/index.js';
import type { Clock, ErrorData, Logger, Random } from '../../common/index.js';
import type { PluginHostLike } from '../../plugins/host/index.js';
import type { RuntimeAdapter } from '../../runtimes/runtime-adapter.js';
import { ActorErrorCode, actorError } from '../errors.js';
import { isBusy } from '../logic/index.js';
import type { ActorState, Goal, LifecyclePhase, RetryPolicy } from '../logic/index.js';
import type { ActorStorePort } from '../ports.js';
import { ActorSystem, DeploymentGraph, RuntimeRegistry } from '../system/index.js';
import type { InspectionListener } from '../system/index.js';
import { dependencyWaves } from './waves.js';
import { reconcilePlan } from './reconcile.js';
import type { ReconcilePlan } from './reconcile.js';

export interface HostEngineOptions {
  hostId: string;
  store: ActorStorePort;
  plugins: PluginHostLike;
  runtimes: readonly RuntimeAdapter[] | RuntimeRegistry;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  retry?: RetryPolicy;
  maxRestarts?: number;
  /** How long a relationship step run by the target's owner on another host may take (default 30 s). */
  remoteStepTimeoutMs?: number;
}

export interface ReconcileOptions {
  /** Counts deploy/undeploy requests: a new one lets failed vertexes be tried again, once. */
  generation?: number;
  /** The request generation each host has acknowledged (a remote failure is final once its owner has). */
  acked?: (host: string) => number;
  /** Whether the ownership protocol lets this host run an owned vertex now (default: yes). */
  allowed?: (vertex: string) => boolean;
}

export interface VertexReport {
  vertex: string;
  phase: LifecyclePhase | string;
  reason?: string;
  at?: number;
  error?: ErrorData;
  owner?: string;
  /** True when this host runs the vertex's actor. */
  local: boolean;
}

export interface DeploymentReport {
  deployment: string;
  action: 'deploy' | 'undeploy' | 'status';
  ok: boolean;
  /** The waves in the order they ran (undeploy: reversed). */
  waves: string[][];
  /** How many waves finished before a failure stopped the run. */
  completedWaves: number;
  failed: VertexReport[];
  /** KH-ACTOR-006 with the first failure as cause, when ok is false. */
  error?: ErrorData;
  vertexes: VertexReport[];
}

export class HostEngine {
  readonly hostId: string;
  readonly #store: ActorStorePort;
  readonly #runtimes: RuntimeRegistry;
  readonly #system: ActorSystem;
  readonly #unsubscribe: Array<() => void> = [];
  /** One deploy/undeploy at a time per deployment. */
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Per deployment: the request generation last reconciled, and the failed vertexes it may retry. */
  readonly #generations = new Map<string, { generation: number; retry: Set<string> }>();
  #started = false;
  #closed = false;

  constructor(options: HostEngineOptions) {
    if (!options.hostId) throw actorError(ActorErrorCode.badOptions, 'hostId is required', { hint: 'pass the id of this host' });
    this.hostId = options.hostId;
    this.#store = options.store;
    this.#runtimes = options.runtimes instanceof RuntimeRegistry ? options.runtimes : new RuntimeRegistry(options.runtimes);
    this.#system = new ActorSystem({
      hostId: options.hostId,
      store: options.store,
      plugins: options.plugins,
      runtimes: this.#runtimes,
      clock: options.clock ?? systemClock,
      random: options.random ?? (options.clock && options.clock !== systemClock ? seededRandom(1) : systemRandom),
      logger: options.logger ?? silentLogger,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
      ...(options.remoteStepTimeoutMs !== undefined ? { remoteStepTimeoutMs: options.remoteStepTimeoutMs } : {}),
    });
  }

  /** Subscribes to the runtimes and resumes every owned actor from its stored status. */
  async start(): Promise<void> {
    this.#assertOpen();
    if (this.#started) return;
    this.#started = true;
    for (const adapter of this.#runtimes.all()) {
      this.#unsubscribe.push(
        adapter.subscribe((e) => this.#system.runtimeObserved(e.workload, { type: 'runtime-observed', state: e.observed.state, ...(e.observed.cause ? { cause: e.observed.cause } : {}) })),
      );
    }
    for (const deployment of await this.#store.deployments()) {
      const created = this.#system.attach(new DeploymentGraph(deployment, await this.#store.load(deployment)));
      for (const actor of created) if (needsResume(actor.state)) actor.send({ type: 'resumed' });
    }
  }

  deploy(deployment: string): Promise<DeploymentReport> {
    return this.#exclusive(deployment, () => this.#run(deployment, 'deployed'));
  }

  undeploy(deployment: string): Promise<DeploymentReport> {
    return this.#exclusive(deployment, () => this.#run(deployment, 'undeployed'));
  }

  /**
   * One reconcile step (cluster mode): reloads the graph, makes sure every owned vertex has an
   * actor, and sends `goal` to the local actors whose dependencies allow it (reconcile.ts). It never
   * waits for an operation: call it again when the deployment changes. `generation` counts deploy
   * and undeploy requests; a new one lets vertexes in `error` be tried again, once.
   */
  reconcile(deployment: string, goal: Goal, options: ReconcileOptions = {}): Promise<ReconcilePlan & { vertexes: VertexReport[] }> {
    const generation = options.generation ?? 0;
    const { acked, allowed } = options;
    return this.#exclusive(deployment, async () => {
      this.#assertOpen();
      if (!this.#started) await this.start();
      const graph = new DeploymentGraph(deployment, await this.#store.load(deployment));
      for (const actor of this.#system.attach(graph)) if (needsResume(actor.state)) actor.send({ type: 'resumed' });
      // Relationship steps across hosts: outcomes that arrived, and requests for what runs here.
      this.#system.observeRemoteSteps(graph, (v) => this.#system.actor(deployment, v) !== undefined && (allowed?.(v) ?? true));
      let gen = this.#generations.get(deployment);
      if (!gen || gen.generation !== generation) {
        const failed = this.#system.actors(deployment).filter((a) => a.state.phase === 'error').map((a) => a.vertex);
        gen = { generation, retry: new Set(failed) };
        this.#generations.set(deployment, gen);
      }
      const retry = gen.retry;
      const plan = reconcilePlan({
        goal,
        vertexes: [...graph.vertexes.keys()],
        edges: [...graph.edges.values()],
        phase: (v) => this.#system.actor(deployment, v)?.state.phase ?? graph.vertexes.get(v)?.status?.state ?? 'initial',
        // An owned vertex the ownership protocol holds back (handover, no quorum) waits like a remote one.
        local: (v) => this.#system.actor(deployment, v) !== undefined && (allowed?.(v) ?? true),
        actor: (v) => {
          const a = this.#system.actor(deployment, v);
          return a ? { ...(a.state.goal ? { goal: a.state.goal } : {}), busy: isBusy(a.state) } : undefined;
        },
        retry: (v) => retry.has(v),
        ...(acked ? { remoteFinal: (v: string) => acked(graph.vertexes.get(v)?.owner ?? '') >= generation } : {}),
      });
      for (const v of plan.send) {
        retry.delete(v);
        this.#system.actor(deployment, v)!.send({ type: goal === 'deployed' ? 'deploy' : 'undeploy' });
      }
      return { ...plan, vertexes: this.#reports(graph) };
    });
  }

  /**
   * Ownership moved away (or this host must stop its copy): removes the vertex's workloads from
   * every runtime — without writing its status, which belongs to the new owner — and drops the
   * actor. Returns whether there was an actor.
   */
  release(deployment: string, vertex: string): Promise<boolean> {
    return this.#exclusive(deployment, async () => {
      const workloads = this.#system.release(deployment, vertex);
      if (workloads.length === 0) return false;
      for (const adapter of this.#runtimes.all()) {
        for (const w of workloads) await adapter.remove(w).catch(() => undefined);
      }
      return true;
    });
  }

  /** Whether this host runs an actor for the vertex whose workload may exist. */
  mayRun(deployment: string, vertex: string): boolean {
    const a = this.#system.actor(deployment, vertex);
    return a !== undefined && (isBusy(a.state) || a.state.mayRun === true || a.state.mayExist === true || (a.state.phase !== 'initial' && a.state.phase !== 'deleted'));
  }

  /** Forgets a deployment's actors on this host (after it was undeployed and deleted). */
  forget(deployment: string): void {
    this.#generations.delete(deployment);
    this.#system.detach(deployment);
  }

  /** Every vertex's phase: live for local actors, from the store for the others. */
  async status(deployment: string): Promise<DeploymentReport> {
    this.#assertOpen();
    const graph = new DeploymentGraph(deployment, await this.#store.load(deployment));
    const waves = dependencyWaves([...graph.vertexes.keys()], [...graph.edges.values()]);
    const vertexes = this.#reports(graph);
    const failed = vertexes.filter((v) => v.phase === 'error');
    return { deployment, action: 'status', ok: failed.length === 0, waves, completedWaves: 0, failed, vertexes };
  }

  /** Subscribes to every actor transition on this host; returns the unsubscribe function. */
  inspect(listener: InspectionListener): () => void {
    return this.#system.inspect(listener);
  }

  /** Live actor states (for tests and the live page). */
  actorState(deployment: string, vertex: string): ActorState | undefined {
    return this.#system.actor(deployment, vertex)?.state;
  }

  get actorCount(): number {
    return this.#system.size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#system.close();
    await Promise.allSettled([...this.#locks.values()]);
  }

  async #run(deployment: string, goal: Goal): Promise<DeploymentReport> {
    this.#assertOpen();
    if (!this.#started) await this.start();
    const graph = new DeploymentGraph(deployment, await this.#store.load(deployment));
    const waves = dependencyWaves([...graph.vertexes.keys()], [...graph.edges.values()]);
    if (goal === 'undeployed') waves.reverse();
    this.#system.attach(graph);
    let completedWaves = 0;
    for (const wave of waves) {
      const failed: VertexReport[] = [];
      await Promise.all(
        wave.map(async (vertex) => {
          const actor = this.#system.actor(deployment, vertex);
          if (!actor) {
            const remote = remoteProblem(graph, vertex, goal);
            if (remote) failed.push(remote);
            return;
          }
          actor.send({ type: goal === 'deployed' ? 'deploy' : 'undeploy' });
          const state = await actor.settled(goal);
          if (state.phase === 'error' || isBusy(state) || this.#closed) failed.push(report(vertex, state, graph, true));
        }),
      );
      if (this.#closed) break;
      if (failed.length > 0) {
        failed.sort((a, b) => (a.vertex < b.vertex ? -1 : 1));
        const first = failed[0]!;
        const error = toErrorData(
          actorError(ActorErrorCode.waveFailed, `${goal === 'deployed' ? 'deploy' : 'undeploy'} of ${deployment} stopped at wave ${completedWaves + 1}/${waves.length}: ${failed.map((f) => f.vertex).join(', ')} failed`, {
            hint: 'fix the cause and run it again: it resumes from where it stopped',
            details: { failed: failed.map((f) => f.vertex) },
            ...(first.error ? { cause: first.error } : {}),
          }),
        );
        return { deployment, action: goal === 'deployed' ? 'deploy' : 'undeploy', ok: false, waves, completedWaves, failed, error, vertexes: this.#reports(graph) };
      }
      completedWaves++;
    }
    return { deployment, action: goal === 'deployed' ? 'deploy' : 'undeploy', ok: !this.#closed, waves, completedWaves, failed: [], vertexes: this.#reports(graph) };
  }

  #reports(graph: DeploymentGraph): VertexReport[] {
    return [...graph.vertexes.values()]
      .map((v) => {
        const actor = this.#system.actor(graph.name, v.id);
        if (actor) return report(v.id, actor.state, graph, true);
        return {
          vertex: v.id,
          phase: v.status?.state ?? 'initial',
          ...(v.status?.reason !== undefined ? { reason: v.status.reason } : {}),
          ...(v.status?.at !== undefined ? { at: v.status.at } : {}),
          ...(v.status?.error ? { error: v.status.error } : {}),
          ...(v.owner !== undefined ? { owner: v.owner } : {}),
          local: false,
        };
      })
      .sort((a, b) => (a.vertex < b.vertex ? -1 : a.vertex > b.vertex ? 1 : 0));
  }

  async #exclusive<T>(deployment: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(deployment) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.#locks.set(deployment, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(deployment) === settled) this.#locks.delete(deployment);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw actorError(ActorErrorCode.closed, 'the host engine is closed', { hint: 'create a new HostEngine' });
  }
}

function needsResume(state: ActorState): boolean {
  if (isBusy(state)) return true;
  if (state.phase === 'error' || !state.goal) return false;
  return state.goal === 'deployed' ? state.phase !== 'started' : state.phase !== 'deleted' && state.phase !== 'initial';
}

function report(vertex: string, state: ActorState, graph: DeploymentGraph, local: boolean): VertexReport {
  const owner = graph.vertexes.get(vertex)?.owner;
  return {
    vertex,
    phase: state.phase,
    reason: state.reason,
    at: state.at,
    ...(state.error && state.phase === 'error' ? { error: state.error } : {}),
    ...(owner !== undefined ? { owner } : {}),
    local,
  };
}

/** A vertex owned by another host: this host waits for nothing, it checks the stored status. */
function remoteProblem(graph: DeploymentGraph, vertex: string, goal: Goal): VertexReport | undefined {
  const v = graph.vertexes.get(vertex)!;
  const phase = v.status?.state ?? 'initial';
  const done = goal === 'deployed' ? phase === 'started' : phase === 'deleted' || phase === 'initial';
  if (done) return undefined;
  return {
    vertex,
    phase,
    owner: v.owner ?? '',
    local: false,
    error: toErrorData(
      actorError(ActorErrorCode.remotePending, `${vertex} is run by host ${v.owner} and is ${phase}, not ${goal === 'deployed' ? 'started' : 'deleted'} yet`, {
        retryable: true,
        hint: `run the deployment on host ${v.owner} too, then run it here again`,
      }),
    ),
  };
}
