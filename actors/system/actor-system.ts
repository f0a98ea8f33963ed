/**
 * The registry of this host's actors: creates one per owned vertex, restores it from the stored
 * status, runs its effects (plugin calls batched per tick, runtime intents, status writes) and
 * publishes every transition on the inspection stream.
 */
import { asKhutulunError, silentLogger, toErrorData } from '../../common/index.js';
import type { Clock, Logger, Random, TimerHandle } from '../../common/index.js';
import type { PluginHostLike } from '../../plugins/host/index.js';
import { ActorErrorCode, actorError } from '../errors.js';
import { DEFAULT_RETRY_POLICY, initialActorState, isBusy } from '../logic/index.js';
import type { ActorEffect, ActorEvent, ActorState, RetryPolicy, TransitionScope } from '../logic/index.js';
import type { ActorStorePort, StoredStatus } from '../ports.js';
import { Actor } from './actor.js';
import type { ActorHost } from './actor.js';
import type { DeploymentGraph, OperationStep } from './deployment-graph.js';
import { Inspector } from './inspection.js';
import type { InspectionListener } from './inspection.js';
import { runOperationStep, runStep } from './operation-runner.js';
import type { OperationRunnerDeps } from './operation-runner.js';
import { PluginBatcher } from './plugin-batcher.js';
import { RemoteSteps } from './remote-steps.js';
import { RunRequests } from './run-requests.js';
import { EventDelivery } from './event-delivery.js';
import type { RuntimeRegistry } from './runtime-registry.js';

export interface ActorSystemOptions {
  hostId: string;
  store: ActorStorePort;
  plugins: PluginHostLike;
  runtimes: RuntimeRegistry;
  clock: Clock;
  random: Random;
  logger?: Logger;
  retry?: RetryPolicy;
  /** Restarts of a workload the runtime reports dead before the actor errors (default 3). */
  maxRestarts?: number;
  /** How long a relationship step run by another host may take before it fails, retryably (default 30 s). */
  remoteStepTimeoutMs?: number;
}

export class ActorSystem implements ActorHost {
  readonly hostId: string;
  readonly #opts: ActorSystemOptions;
  readonly #actors = new Map<string, Actor>();
  readonly #graphs = new Map<string, DeploymentGraph>();
  /** `deployment/vertex` released (workloads removed) since its actor was last attached. */
  readonly #released = new Set<string>();
  /** workload id -> actor id, so runtime events reach their actor. */
  readonly #workloads = new Map<string, string>();
  readonly #inspector = new Inspector();
  readonly #deps: OperationRunnerDeps;
  readonly #remote: RemoteSteps;
  readonly #runs: RunRequests;
  readonly #events: EventDelivery;
  readonly #retry: RetryPolicy;
  readonly #logger: Logger;

  constructor(options: ActorSystemOptions) {
    this.#opts = options;
    this.hostId = options.hostId;
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#logger = options.logger ?? silentLogger;
    this.#deps = {
      plugins: new PluginBatcher(options.plugins),
      runtimes: options.runtimes,
      store: options.store,
      logger: this.#logger,
      onWorkload: (workload, deployment, vertex) => this.#workloads.set(workload, `${deployment}/${vertex}`),
      emit: (graph, source, effect) => this.#events.emit(graph, source, effect),
      local: (graph, vertex) => this.owns(graph.vertexes.get(vertex)?.owner),
    };
    this.#remote = new RemoteSteps({
      hostId: options.hostId,
      store: options.store,
      clock: options.clock,
      logger: this.#logger,
      run: (graph, step) => runStep(this.#deps, graph, step),
      ...(options.remoteStepTimeoutMs !== undefined ? { timeoutMs: options.remoteStepTimeoutMs } : {}),
    });
    this.#deps.remote = this.#remote;
    // Imperative runs and emitted events share the owner-side wiring; a vertex mid-operation waits.
    const owner = { store: options.store, logger: this.#logger, now: () => options.clock.now(), run: (graph: DeploymentGraph, step: OperationStep) => runStep(this.#deps, graph, step) };
    this.#events = new EventDelivery({
      ...owner,
      busy: (deployment, vertex) => this.#busy(deployment, vertex) !== undefined,
      notice: (n) => {
        if (!this.#inspector.active) return;
        const phase = this.#actors.get(`${n.deployment}/${n.vertex}`)?.state.phase ?? 'initial';
        this.#inspector.emit({ actor: `${n.deployment}/${n.vertex}`, deployment: n.deployment, vertex: n.vertex, event: 'delivered', from: phase, to: phase, at: n.at, reason: n.reason, ...(n.error ? { error: n.error } : {}) });
      },
    });
    this.#runs = new RunRequests({
      ...owner,
      hostId: options.hostId,
      busy: (deployment, vertex) => this.#busy(deployment, vertex),
    });
  }

  /** Why a vertex cannot take a run or an event now (not run here, or mid-operation), or undefined. */
  #busy(deployment: string, vertex: string): string | undefined {
    const state = this.#actors.get(`${deployment}/${vertex}`)?.state;
    if (!state) return 'not run by this host';
    return isBusy(state) ? `busy (${state.phase})` : undefined;
  }

  /**
   * Hands a freshly loaded graph to the imperative runs and the events between actors: requests
   * and events for what runs here run here.
   */
  observeRuns(graph: DeploymentGraph, local: (vertex: string) => boolean): void {
    this.#runs.observe(graph, local);
    this.#events.observe(graph, local);
  }

  /**
   * Hands a freshly loaded graph to the relationship steps that cross hosts: waits whose outcome
   * arrived go on, and requests for vertexes `local` says this host runs are run here.
   */
  observeRemoteSteps(graph: DeploymentGraph, local: (vertex: string) => boolean): void {
    this.#remote.observe(graph, local);
  }

  /** True when this host runs the vertex: its owner is this host, or unset (not scheduled yet). */
  owns(owner: string | undefined): boolean {
    return owner === undefined || owner === '' || owner === this.hostId;
  }

  /**
   * Installs (or refreshes) a deployment's graph and makes sure every owned vertex has an actor,
   * restored from its stored status. Returns the actors created by this call (not yet resumed).
   */
  attach(graph: DeploymentGraph): Actor[] {
    this.#graphs.set(graph.name, graph);
    const created: Actor[] = [];
    for (const v of graph.vertexes.values()) {
      if (!this.owns(v.owner)) continue;
      const key = `${graph.name}/${v.id}`;
      if (this.#actors.has(key)) continue;
      // A released vertex's workloads were removed: whatever its stored status says, it starts afresh.
      const restored = this.#released.delete(key) ? undefined : v.status?.actor;
      const actor = new Actor(this, graph.name, v.id, restored ? { ...restored } : initialActorState(this.#opts.clock.now()));
      this.#actors.set(key, actor);
      // The vertex's own workload id is `deployment/vertex`: runtime events about it (an exit after
      // a restart of this host, before any operation ran again) reach the actor at once.
      if (!this.#workloads.has(key)) this.#workloads.set(key, key);
      created.push(actor);
    }
    return created;
  }

  /**
   * Drops one actor without running its lifecycle (its vertex moved to another host) and returns
   * the workload ids it drove, for the caller to remove from the runtimes.
   */
  release(deployment: string, vertex: string): string[] {
    const key = `${deployment}/${vertex}`;
    const actor = this.#actors.get(key);
    if (!actor) return [];
    actor.close();
    this.#actors.delete(key);
    this.#released.add(key);
    this.#remote.cancel(deployment, vertex);
    const workloads = [key];
    for (const [w, k] of this.#workloads) {
      if (k !== key) continue;
      if (!workloads.includes(w)) workloads.push(w);
      this.#workloads.delete(w);
    }
    return workloads;
  }

  /** Drops a deployment's actors and graph (it was deleted); their workloads are already gone. */
  detach(deployment: string): void {
    this.#remote.cancel(deployment);
    for (const [key, actor] of this.#actors) {
      if (actor.deployment !== deployment) continue;
      actor.close();
      this.#actors.delete(key);
    }
    this.#graphs.delete(deployment);
  }

  graph(deployment: string): DeploymentGraph | undefined {
    return this.#graphs.get(deployment);
  }

  actor(deployment: string, vertex: string): Actor | undefined {
    return this.#actors.get(`${deployment}/${vertex}`);
  }

  actors(deployment?: string): Actor[] {
    const all = [...this.#actors.values()];
    return deployment === undefined ? all : all.filter((a) => a.deployment === deployment);
  }

  get size(): number {
    return this.#actors.size;
  }

  inspect(listener: InspectionListener): () => void {
    return this.#inspector.subscribe(listener);
  }

  /** Routes a runtime event (exit, crash) to the actor that owns the workload. */
  runtimeObserved(workload: string, event: Extract<ActorEvent, { type: 'runtime-observed' }>): void {
    const key = this.#workloads.get(workload);
    const actor = key ? this.#actors.get(key) : undefined;
    actor?.send(event);
  }

  /** Stops every actor (pending timers cancelled, waiters released); running calls are dropped. */
  close(): void {
    this.#remote.cancel();
    for (const a of this.#actors.values()) a.close();
    this.#actors.clear();
  }

  // --- ActorHost -------------------------------------------------------------------------------

  /**
   * One scope object reused for every transition (transitions are synchronous, so the actor it
   * points at cannot change mid-call): no closures allocated per event on the hot path.
   */
  readonly #scope: TransitionScope & { graph: DeploymentGraph | undefined; vertex: string } = {
    now: 0,
    random: () => this.#opts.random.next(),
    stepsOf: (op) => this.#scope.graph?.stepCount(this.#scope.vertex, op) ?? 0,
    retry: DEFAULT_RETRY_POLICY,
    maxRestarts: 3,
    graph: undefined,
    vertex: '',
  };

  scope(actor: Actor): TransitionScope {
    const scope = this.#scope;
    scope.now = this.#opts.clock.now();
    scope.graph = this.#graphs.get(actor.deployment);
    scope.vertex = actor.vertex;
    scope.retry = this.#retry;
    scope.maxRestarts = this.#opts.maxRestarts ?? 3;
    return scope;
  }

  async writeStatus(actor: Actor, state: ActorState): Promise<void> {
    const status: StoredStatus = {
      state: state.phase,
      reason: state.reason,
      at: state.at,
      ...(state.error ? { error: state.error } : {}),
      actor: state,
    };
    this.#graphs.get(actor.deployment)?.noteStatus(actor.vertex, status);
    try {
      await this.#opts.store.writeStatus(actor.deployment, actor.vertex, status);
    } catch (error) {
      // Without a durable status the actor cannot promise restart safety: stop it loudly.
      throw actorError(ActorErrorCode.statusWrite, `cannot write the status of ${actor.id}: ${asKhutulunError(error).message}`, {
        retryable: true,
        hint: 'check the store (disk space, permissions); restart the engine to resume from the last stored state',
        cause: error,
      });
    }
  }

  runOperation(actor: Actor, effect: Extract<ActorEffect, { type: 'run-operation' }>): void {
    const graph = this.#graphs.get(actor.deployment);
    if (!graph) {
      actor.send({ type: 'operation-failed', op: effect.op, step: effect.step, error: { code: ActorErrorCode.unknownDeployment, message: `no graph for ${actor.deployment}`, retryable: false } });
      return;
    }
    void runOperationStep(this.#deps, graph, actor.vertex, effect.op, effect.step).then((event) => actor.send(event));
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    return this.#opts.clock.setTimeout(fn, ms);
  }

  transitioned(actor: Actor, event: ActorEvent, from: ActorState, to: ActorState): void {
    if (!this.#inspector.active) return;
    this.#inspector.emit({
      actor: actor.id,
      deployment: actor.deployment,
      vertex: actor.vertex,
      event: event.type,
      from: from.phase,
      to: to.phase,
      at: to.at,
      reason: to.reason,
      ...(to.error && to.phase === 'error' ? { error: to.error } : {}),
    });
  }

  failed(actor: Actor, error: unknown): void {
    this.#logger.log('error', `actor ${actor.id} stopped: ${toErrorData(error).message}`, { code: toErrorData(error).code });
    actor.close();
  }
}
