/**
 * The per-host reconcile loop of cluster mode. It follows the deployments this host has a role in
 * (the agent's cluster document lists the hosts of each), and whenever one of them changes —
 * locally or by sync from a peer — it runs one HostEngine reconcile step toward the deployment's
 * requested goal. A status written on host A thus reaches host B's actors as a document change:
 * dependency waves span hosts without any host driving another.
 */
import type { DocHandle } from '@automerge/automerge-repo';
import type { Logger } from '../common/index.js';
import type { Deployment, Store } from '../store/index.js';
import type { DeploymentReport, HostEngine, ReconcilePlan, VertexReport } from '../actors/index.js';
import type { Goal } from '../actors/index.js';
import type { ClusterDoc, DeploymentRef } from './cluster-doc.js';

export const GOAL_PROPERTY = 'khutulun:goal';
/** `khutulun:ack:<host>`: the last request generation that host has reconciled. */
export const ACK_PREFIX = 'khutulun:ack:';

export interface DeploymentRequest {
  readonly goal: Goal;
  /** Counts deploy/undeploy requests: a new one lets failed vertexes be tried again. */
  readonly generation: number;
}

/** Reads the requested goal from the service vertex (`deployed:3`); undefined before any request. */
export function readRequest(d: Deployment): DeploymentRequest | undefined {
  const v = d.get('vertex', d.serviceVertex)?.properties[GOAL_PROPERTY]?.value;
  if (typeof v !== 'string') return undefined;
  const m = /^(deployed|undeployed):(\d+)$/.exec(v);
  return m ? { goal: m[1] as Goal, generation: Number(m[2]) } : undefined;
}

/** Records a new request (generation + 1) on the service vertex; every host with a role acts on it. */
export async function writeRequest(d: Deployment, goal: Goal): Promise<DeploymentRequest> {
  const generation = (readRequest(d)?.generation ?? 0) + 1;
  const service = d.require('vertex', d.serviceVertex).id;
  await d.putProperty(service, GOAL_PROPERTY, { value: `${goal}:${generation}` });
  await d.flush();
  return { goal, generation };
}

export type ReconcileResult = ReconcilePlan & { readonly vertexes: readonly VertexReport[]; readonly request: DeploymentRequest };
type Listener = (deployment: string, result: ReconcileResult) => void;

export interface ClusterReconcilerOptions {
  readonly store: Store;
  readonly engine: HostEngine;
  readonly hostId: string;
  /** The agent's cluster document: which hosts have a role in which deployment. */
  readonly cluster: DocHandle<ClusterDoc>;
  readonly logger: Logger;
  /** The ownership protocol's verdict: may this host run its vertex now (default: always). */
  readonly allowed?: (deployment: string, vertex: string) => boolean;
}

/** True when `host` has a role in the deployment (owns a node, or took the request). */
export function hasRole(ref: DeploymentRef | undefined, host: string): boolean {
  return ref !== undefined && (ref.hosts.includes(host) || ref.createdBy === host);
}

export class ClusterReconciler {
  readonly #o: ClusterReconcilerOptions;
  /** Followed deployments: the document URL followed, and the unsubscribe function. */
  readonly #followed = new Map<string, { url: string; off: () => void }>();
  readonly #opening = new Set<string>();
  readonly #queued = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #listeners = new Set<Listener>();
  /** Pending until() calls: released (rejected) by close(). */
  readonly #waiters = new Set<() => void>();
  readonly #offStore: () => void;
  readonly #onCluster = (): void => this.#sync();
  #closed = false;

  constructor(options: ClusterReconcilerOptions) {
    this.#o = options;
    options.cluster.on('change', this.#onCluster);
    this.#offStore = options.store.cluster.subscribe(() => this.#sync());
    this.#sync();
  }

  /** Names of the deployments this host has a role in (for resuming at start). */
  static roles(cluster: ClusterDoc | undefined, host: string): Set<string> {
    return new Set(Object.values(cluster?.deployments ?? {}).filter((r) => hasRole(r, host)).map((r) => r.name));
  }

  /** Every reconcile step's outcome, on this host. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Resolves with the first result of `deployment` that satisfies `done` (checked at once, too). */
  until(deployment: string, done: (r: ReconcileResult) => boolean, timeoutMs: number): Promise<ReconcileResult> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error, result?: ReconcileResult): void => {
        clearTimeout(timer);
        off();
        this.#waiters.delete(cancel);
        if (error) reject(error);
        else resolve(result!);
      };
      const cancel = (): void => finish(new Error('the agent is shutting down'));
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
      const off = this.subscribe((name, r) => {
        if (name === deployment && done(r)) finish(undefined, r);
      });
      if (this.#closed) return cancel();
      this.#waiters.add(cancel);
      this.poke(deployment);
    });
  }

  /** Schedules a reconcile step of `deployment` (coalesced with others already queued). */
  poke(deployment: string): void {
    if (this.#closed) return;
    this.#queued.add(deployment);
    if (this.#running.has(deployment)) return;
    const run = (async () => {
      // Coalesce the changes of this turn (a sync message, a tick of writes) into one step; later
      // ones queue one more step behind the running one (the loop below), never more.
      await new Promise((r) => setImmediate(r));
      while (this.#queued.delete(deployment) && !this.#closed) await this.#step(deployment);
    })().finally(() => this.#running.delete(deployment));
    this.#running.set(deployment, run);
  }

  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  close(): void {
    this.#closed = true;
    for (const cancel of [...this.#waiters]) cancel();
    this.#o.cluster.off('change', this.#onCluster);
    this.#offStore();
    for (const f of this.#followed.values()) f.off();
    this.#followed.clear();
  }

  async #step(name: string): Promise<void> {
    if (!this.#followed.has(name)) return;
    try {
      const d = await this.#o.store.openDeployment(name);
      const request = readRequest(d);
      if (!request) return;
      const service = d.get('vertex', d.serviceVertex);
      const acked = (host: string): number => {
        const v = service?.properties[`${ACK_PREFIX}${host}`]?.value;
        return typeof v === 'bigint' ? Number(v) : -1;
      };
      const allowed = this.#o.allowed;
      const plan = await this.#o.engine.reconcile(name, request.goal, {
        generation: request.generation,
        acked,
        ...(allowed ? { allowed: (v: string) => allowed(name, v) } : {}),
      });
      // Tell the others this host has acted on the request (after its retries were sent).
      if (service && acked(this.#o.hostId) < request.generation) {
        await d.putProperty(service.id, `${ACK_PREFIX}${this.#o.hostId}`, { value: BigInt(request.generation) });
      }
      const result: ReconcileResult = { ...plan, request };
      for (const l of this.#listeners) l(name, result);
    } catch (error) {
      if (!this.#closed) this.#o.logger.log('warn', 'reconcile step failed', { deployment: name, error: String(error) });
    }
  }

  /** Follows the deployments with a role here (and present in the store's index); drops the rest. */
  #sync(): void {
    if (this.#closed) return;
    const refs = this.#o.cluster.isReady() ? this.#o.cluster.doc().deployments : {};
    const indexed = new Map(this.#o.store.listDeployments().map((d) => [d.name as string, d.url] as const));
    for (const [name, f] of [...this.#followed]) {
      if (indexed.get(name) === f.url && hasRole(refs[name], this.#o.hostId)) continue;
      f.off();
      this.#followed.delete(name);
      // Deleted (undeployed everywhere) or re-created as another document: its actors here are done.
      if (indexed.get(name) !== f.url) this.#o.engine.forget(name);
    }
    for (const [name, url] of indexed) {
      if (this.#followed.has(name) || this.#opening.has(name) || !hasRole(refs[name], this.#o.hostId)) continue;
      this.#opening.add(name);
      this.#o.store
        .openDeployment(name)
        .then((d) => {
          if (this.#closed || this.#followed.has(name) || d.url !== url) return;
          this.#followed.set(name, { url, off: d.subscribe(() => this.poke(name)) });
          this.poke(name);
        })
        .catch((error: unknown) => this.#o.logger.log('warn', 'cannot open a deployment with a role here', { deployment: name, error: String(error) }))
        .finally(() => {
          this.#opening.delete(name);
          // The index may have moved on while the document loaded.
          if (!this.#followed.has(name)) setTimeout(() => this.#sync(), 1000).unref?.();
        });
    }
  }
}

/** Nothing more can happen without a new request: something failed and nothing is in progress. */
export function stuck(r: ReconcileResult): boolean {
  return r.failed.length > 0 && ![...r.waiting.values()].some((blockers) => blockers.length === 0);
}

/** A settled reconcile result as the deploy/undeploy report embedders and `up` read. */
export function clusterReport(name: string, r: ReconcileResult, action: 'deploy' | 'undeploy'): DeploymentReport {
  const failed = r.vertexes.filter((v) => v.phase === 'error');
  return {
    deployment: name,
    action,
    ok: r.done,
    waves: [],
    completedWaves: 0,
    failed,
    ...(failed[0]?.error ? { error: failed[0].error } : {}),
    vertexes: [...r.vertexes],
  };
}
