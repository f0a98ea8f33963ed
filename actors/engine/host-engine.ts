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
import { KeyedMutex, seededRandom, silentLogger, systemClock, systemRandom, toErrorData } from '../../common/index.js';
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
import { adoptWorkloads } from './adopt-workloads.js';
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
  /** Rolling updates: how many of a deployment's local vertexes are updated at once (default 1). */
  updateBudget?: number;
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
  readonly #logger: Logger;
  readonly #system: ActorSystem;
  readonly #unsubscribe: Array<() => void> = [];
  /** One deploy/undeploy at a time per deployment. */
  readonly #locks = new KeyedMutex();
  /** How many local vertexes of a deployment are updated at once (rolling; default 1). */
  readonly #updateBudget: number;
  /** Per deployment: how many converge() calls ran (each is a request generation of its own). */
  readonly #converging = new Map<string, number>();
  /** Per deployment: the request generation last reconciled, and the failed vertexes it may retry. */
  readonly #generations = new Map<string, { generation: number; retry: Set<string> }>();
  #started = false;
  #closed = false;

  constructor(options: HostEngineOptions) {
    if (!options.hostId) throw actorError(ActorErrorCode.badOptions, 'hostId is required', { hint: 'pass the id of this host' });
    this.hostId = options.hostId;
    this.#store = options.store;
    this.#runtimes = options.runtimes instanceof RuntimeRegistry ? options.runtimes : new RuntimeRegistry(options.runtimes);
    this.#updateBudget = options.updateBudget ?? 1;
    this.#logger = options.logger ?? silentLogger;
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
    const graphs: DeploymentGraph[] = [];
    for (const deployment of await this.#store.deployments()) {
      const graph = new DeploymentGraph(deployment, await this.#store.load(deployment));
      graphs.push(graph);
      const created = this.#system.attach(graph);
      for (const actor of created) if (needsResume(actor.state)) actor.send({ type: 'resumed' });
    }
    await adoptWorkloads(graphs, this.#runtimes.all(), this.#system, this.#logger);
  }

  /** Converges a deployment whose vertexes all live here (embedding, tests, benchmarks) to `deployed`. */
  deploy(deployment: string): Promise<DeploymentReport> {
    return this.#converge(deployment, 'deployed');
  }

  undeploy(deployment: string): Promise<DeploymentReport> {
    return this.#converge(deployment, 'undeployed');
  }

  /**
   * One reconcile step (cluster mode): reloads the graph, makes sure every owned vertex has an
   * actor, and sends `goal` to the local actors whose dependencies allow it (reconcile.ts). It never
   * waits for an operation: call it again when the deployment changes. `generation` counts deploy
   * and undeploy requests; a new one lets vertexes in `error` be tried again, once. Day 2: a vertex
   * whose desired spec generation is newer than what runs is updated (one at a time per host), a
   * retired one is stopped and then removed from the document, a replaced one starts afresh.
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
      // Imperative runs (`khutulun run`, workflow steps, emitted events) addressed to what runs here.
      this.#system.observeRuns(graph, (v) => this.#system.actor(deployment, v) !== undefined && (allowed?.(v) ?? true));
      let gen = this.#generations.get(deployment);
      if (!gen || gen.generation !== generation) {
        const failed = this.#system.actors(deployment).filter((a) => a.state.phase === 'error').map((a) => a.vertex);
        gen = { generation, retry: new Set(failed) };
        this.#generations.set(deployment, gen);
      }
      const retry = gen.retry;
      await this.#replaceOutdated(graph);
      const desired = (v: string): number => graph.vertexes.get(v)?.control?.generation ?? 0;
      const observedGeneration = (v: string): number => {
        const a = this.#system.actor(deployment, v);
        return a ? (a.state.generation ?? 0) : (graph.vertexes.get(v)?.observedGeneration ?? 0);
      };
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
        stale: (v) => observedGeneration(v) < desired(v),
        retired: (v) => graph.vertexes.get(v)?.control?.retired !== undefined,
        updateBudget: this.#updateBudget,
      });
      for (const v of plan.send) {
        retry.delete(v);
        const retired = graph.vertexes.get(v)?.control?.retired !== undefined;
        this.#system.actor(deployment, v)!.send(goal === 'deployed' && !retired ? { type: 'deploy', generation: desired(v) } : { type: 'undeploy' });
      }
      for (const v of plan.remove) {
        this.#system.release(deployment, v);
        await this.#store.removeVertex(deployment, v);
      }
      return { ...plan, vertexes: this.#reports(graph) };
    });
  }

  /**
   * Day 2 replace: a local actor whose workload predates the vertex's `replace` generation (its type
   * or operations changed) has its workloads removed from every runtime and starts afresh.
   */
  async #replaceOutdated(graph: DeploymentGraph): Promise<void> {
    for (const v of graph.vertexes.values()) {
      const replace = v.control?.replace;
      if (replace === undefined) continue;
      const actor = this.#system.actor(graph.name, v.id);
      if (!actor || (actor.state.want ?? actor.state.generation ?? 0) >= replace) continue;
      // The old workload goes first (from whichever runtime ran it): the new one may reuse its id.
      const workloads = this.#system.release(graph.name, v.id);
      for (const adapter of this.#runtimes.all()) for (const w of workloads) await adapter.remove(w).catch(() => undefined);
      // The fresh actor (initial state) is sent `deploy` with the desired generation by the plan.
      this.#system.attach(graph);
    }
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
    await this.#locks.idle();
  }

  /**
   * Drives one deployment on this host to `goal` with the same reconcile step the cluster runs
   * (no separate wave algorithm): a step after every transition, until every vertex is at the goal,
   * or nothing more can happen here (a failure, or vertexes of other hosts not there yet).
   */
  async #converge(deployment: string, goal: Goal): Promise<DeploymentReport> {
    this.#assertOpen();
    if (!this.#started) await this.start();
    const first = new DeploymentGraph(deployment, await this.#store.load(deployment));
    // Checked first: a cycle is unusable input (KH-ACTOR-005), not a failed run.
    const waves = dependencyWaves([...first.vertexes.keys()], [...first.edges.values()]);
    if (goal === 'undeployed') waves.reverse();
    const generation = (this.#converging.get(deployment) ?? 0) + 1;
    this.#converging.set(deployment, generation);
    const action = goal === 'deployed' ? 'deploy' : 'undeploy';
    for (;;) {
      let wake: () => void = () => undefined;
      let moved = false;
      const changed = new Promise<void>((resolve) => (wake = resolve));
      const off = this.inspect((e) => {
        if (e.deployment !== deployment) return;
        moved = true;
        wake();
      });
      try {
        const plan = await this.reconcile(deployment, goal, { generation });
        const graph = new DeploymentGraph(deployment, await this.#store.load(deployment));
        const at = (v: string): boolean => plan.done || !plan.waiting.has(v) && !plan.failed.includes(v);
        const completedWaves = waves.findIndex((w) => !w.every(at));
        const base = { deployment, action, waves, completedWaves: completedWaves < 0 ? waves.length : completedWaves } as const;
        if (plan.done) return { ...base, ok: true, failed: [], vertexes: this.#reports(graph) };
        const localBusy = this.#system.actors(deployment).some((a) => isBusy(a.state));
        // An actor that moved since the step was planned may have unblocked others: plan again.
        if (!this.#closed && !localBusy && plan.send.length === 0 && plan.remove.length === 0 && moved) continue;
        if (this.#closed || (!localBusy && plan.send.length === 0 && plan.remove.length === 0)) {
          const reports = this.#reports(graph);
          const failed = reports.filter((r) => plan.failed.includes(r.vertex) || (!r.local && plan.waiting.get(r.vertex)?.length === 0));
          for (const f of failed) if (!f.local && f.phase !== 'error') Object.assign(f, remotePending(f, goal));
          const firstFailure = failed[0];
          const error = toErrorData(
            actorError(ActorErrorCode.waveFailed, `${action} of ${deployment} stopped at wave ${base.completedWaves + 1}/${waves.length}: ${failed.map((f) => f.vertex).join(', ') || 'the host is closing'} failed`, {
              hint: 'fix the cause and run it again: it resumes from where it stopped',
              details: { failed: failed.map((f) => f.vertex) },
              ...(firstFailure?.error ? { cause: firstFailure.error } : {}),
            }),
          );
          return { ...base, ok: false, failed, error, vertexes: reports };
        }
        await changed;
      } finally {
        off();
      }
    }
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

  #exclusive<T>(deployment: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(deployment, fn);
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

/** A vertex owned by another host that is not at the goal: this host cannot make it so. */
function remotePending(r: VertexReport, goal: Goal): Pick<VertexReport, 'error'> {
  return {
    error: toErrorData(
      actorError(ActorErrorCode.remotePending, `${r.vertex} is run by host ${r.owner} and is ${r.phase}, not ${goal === 'deployed' ? 'started' : 'deleted'} yet`, {
        retryable: true,
        hint: `run the deployment on host ${r.owner} too, then run it here again`,
      }),
    ),
  };
}
