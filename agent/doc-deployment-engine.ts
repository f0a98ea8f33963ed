/**
 * The agent's default DeploymentEngine: compiles through an injected Compiler, records the result
 * as one Automerge document per deployment (indexed in the cluster document so every host can find
 * it), places nodes through an injected Placer, and runs them through an injected NodeRunner.
 *
 * Execution is a reconcile loop on every host with a role: a host starts ITS OWN pending nodes once
 * all their dependencies are started (so waves emerge across hosts), and while the deployment is
 * undeploying it stops its own nodes once every dependent is down. The host that took the API call
 * coordinates: it marks the deployment deployed/failed/undeployed. Only owners run their nodes.
 */
import type { DocHandle, Repo, AutomergeUrl } from '@automerge/automerge-repo';
import { KhutulunError, asKhutulunError } from '../common/index.js';
import type { Clock, Logger } from '../common/index.js';
import { registerDeployment, removeDeployment } from './cluster-doc.js';
import type { ClusterDoc } from './cluster-doc.js';
import { plain, statusOf } from './deployment-doc.js';
import type { DeploymentDoc } from './deployment-doc.js';
import type {
  CompiledNode,
  Compiler,
  DeployRequest,
  DeploymentEngine,
  DeploymentStatus,
  DeploymentSummary,
  NodeRunner,
  NodeState,
  Placer,
} from './deployment-engine.js';
import { AgentErrors, notFound, validateDeploymentName } from './errors.js';
import type { EventHub } from './event-hub.js';
import { checkDependencies } from './check-dependencies.js';

export interface DocDeploymentEngineOptions {
  repo: Repo;
  cluster: DocHandle<ClusterDoc>;
  hostId: string;
  clock: Clock;
  events: EventHub;
  logger: Logger;
  compile?: Compiler;
  place?: Placer;
  runner?: NodeRunner;
  /** How long to wait for a deployment document held by another host. */
  findTimeoutMs?: number;
}

const localPlacer: Placer = async (nodes, host) => Object.fromEntries(nodes.map((n) => [n.id, host]));

export class DocDeploymentEngine implements DeploymentEngine {
  readonly #o: DocDeploymentEngineOptions;
  readonly #inflight = new Set<Promise<void>>();
  /** Names being deployed/undeployed by this host right now (guards double submits). */
  readonly #busy = new Set<string>();

  /** Deployments whose outcome this host writes (it took the API call). */
  readonly #coordinating = new Map<string, { action: 'deploy' | 'undeploy'; done: () => void }>();
  /** Followed deployment documents → unsubscribe. */
  readonly #watched = new Map<string, () => void>();
  readonly #finding = new Set<string>();
  readonly #scheduled = new Set<string>();
  /** `deployment/node` being started or stopped by this host right now. */
  readonly #inFlight = new Set<string>();
  /** Documents read for `status` on a host without a role (LRU, evicted past MAX_BORROWED). */
  readonly #borrowed = new Map<string, true>();
  #closed = false;
  readonly #onCluster = (): void => this.#syncWatches();

  constructor(options: DocDeploymentEngineOptions) {
    this.#o = options;
    options.cluster.on('change', this.#onCluster);
    this.#syncWatches();
  }

  /** Stops following documents (in-flight runner calls still finish; see idle()). */
  close(): void {
    this.#closed = true;
    this.#o.cluster.off('change', this.#onCluster);
    for (const off of this.#watched.values()) off();
    this.#watched.clear();
    // Whoever awaits a coordination gets released; the documents keep the truth for a restart.
    for (const job of this.#coordinating.values()) job.done();
    this.#coordinating.clear();
  }

  async deploy(request: DeployRequest): Promise<DeploymentStatus> {
    const name = validateDeploymentName(request.name);
    if (this.#o.cluster.doc().deployments[name] || this.#busy.has(name)) {
      throw new KhutulunError(AgentErrors.deploymentExists, `deployment "${name}" already exists`, {
        hint: `undeploy it first (\`khutulun undeploy ${name}\`) or pick another --name`,
      });
    }
    const compile = this.#o.compile;
    if (!compile || !this.#o.runner) {
      throw new KhutulunError(AgentErrors.noCompiler, 'this agent has no TOSCA processor wired in', {
        hint: 'embed the agent with `startAgent({ deployments: { compile, runner } })`; the TOSCA processor and actors engine are wired in there',
      });
    }
    this.#busy.add(name);
    try {
      const compiled = await compile(request);
      checkDependencies(compiled.nodes); // reject cycles and dangling requirements before recording
      const placement = await (this.#o.place ?? localPlacer)(compiled.nodes, this.#o.hostId);
      const now = this.#o.clock.now();
      const handle = this.#o.repo.create<DeploymentDoc>({
        name,
        source: request.source,
        sourceName: request.sourceName ?? '',
        inputs: plain(request.inputs),
        state: 'deploying',
        createdAt: now,
        createdBy: this.#o.hostId,
        nodes: Object.fromEntries(
          compiled.nodes.map((n) => [
            n.id,
            { id: n.id, template: n.template, host: placement[n.id] ?? this.#o.hostId, dependsOn: [...n.dependsOn], state: 'pending' as NodeState, message: '', since: now },
          ]),
        ),
        outputs: plain(compiled.outputs),
      });
      const hosts = [...new Set([this.#o.hostId, ...Object.values(placement)])].sort();
      this.#o.cluster.change((d) =>
        registerDeployment(d, { name, docUrl: handle.url, hosts, createdAt: now, createdBy: this.#o.hostId }),
      );
      this.#o.events.publish({ type: 'deployment.created', at: now, deployment: name, host: this.#o.hostId });
      const done = this.#coordinate(name, handle, 'deploy');
      this.#track(done.finally(() => this.#busy.delete(name)));
      this.#watch(name, handle);
      return statusOf(handle.doc());
    } catch (error) {
      this.#busy.delete(name);
      throw error;
    }
  }

  async status(name: string): Promise<DeploymentStatus> {
    return this.#read(name);
  }

  async outputs(name: string): Promise<Record<string, unknown>> {
    return (await this.#read(name)).outputs;
  }

  /** Reads a deployment; documents borrowed without a role are cached only boundedly. */
  async #read(name: string): Promise<DeploymentStatus> {
    const handle = await this.#find(name);
    const status = statusOf(handle.doc());
    const ref = this.#o.cluster.doc().deployments[name];
    if (ref && !ref.hosts.includes(this.#o.hostId) && !this.#watched.has(handle.documentId)) this.#borrow(handle.documentId);
    return status;
  }

  #borrow(documentId: string): void {
    this.#borrowed.delete(documentId);
    this.#borrowed.set(documentId, true); // re-insert: Map order = least recently used first
    while (this.#borrowed.size > MAX_BORROWED) {
      const oldest = this.#borrowed.keys().next().value as string;
      this.#borrowed.delete(oldest);
      if (this.#watched.has(oldest)) continue;
      this.#track(this.#o.repo.removeFromCache(oldest as Parameters<Repo['removeFromCache']>[0]));
    }
  }

  async undeploy(name: string): Promise<DeploymentStatus> {
    const handle = await this.#find(name);
    if (this.#busy.has(name)) {
      throw new KhutulunError(AgentErrors.deploymentExists, `deployment "${name}" is busy (a deploy or undeploy is running)`, {
        hint: 'wait for it to finish (`khutulun status NAME`) and retry',
        retryable: true,
      });
    }
    this.#busy.add(name);
    try {
      const done = this.#coordinate(name, handle, 'undeploy');
      this.#track(done);
      handle.change((d) => void (d.state = 'undeploying'));
      this.#watch(name, handle);
      await done;
    } finally {
      this.#busy.delete(name);
    }
    const status = statusOf(handle.doc());
    this.#o.cluster.change((d) => removeDeployment(d, name));
    this.#o.events.publish({ type: 'deployment.removed', at: this.#o.clock.now(), deployment: name, host: this.#o.hostId });
    return status;
  }

  async list(): Promise<DeploymentSummary[]> {
    const refs = Object.values(this.#o.cluster.doc().deployments);
    const out: DeploymentSummary[] = [];
    for (const ref of refs) {
      const handle = this.#o.repo.handles[ref.docUrl.replace('automerge:', '') as keyof Repo['handles']];
      const doc = handle?.isReady() ? (handle.doc() as DeploymentDoc) : undefined;
      out.push({ name: ref.name, state: doc?.state ?? 'unknown', nodes: doc ? Object.keys(doc.nodes).length : 0 });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  async #find(name: string): Promise<DocHandle<DeploymentDoc>> {
    const ref = this.#o.cluster.doc().deployments[name];
    if (!ref) throw notFound(name);
    try {
      return await this.#o.repo.find<DeploymentDoc>(ref.docUrl as AutomergeUrl, {
        signal: AbortSignal.timeout(this.#o.findTimeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new KhutulunError(AgentErrors.deploymentUnavailable, `the document of deployment "${name}" is not available here yet`, {
        hint: 'the hosts that hold it may be unreachable; check `khutulun hosts` and retry',
        retryable: true,
        cause: error,
      });
    }
  }

  #track(p: Promise<void>): void {
    const tracked = p.catch((error: unknown) => {
      this.#o.logger.log('error', 'deployment run failed', { error: asKhutulunError(error).toString() });
    });
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  #transition(handle: DocHandle<DeploymentDoc>, name: string, id: string, to: NodeState, message = ''): void {
    const from = handle.doc().nodes[id]?.state;
    const at = this.#o.clock.now();
    handle.change((d) => {
      const n = d.nodes[id];
      if (!n) return;
      n.state = to;
      if (n.message !== message) n.message = message;
      n.since = at;
    });
    this.#o.events.publish({ type: 'node.transition', at, deployment: name, node: id, host: this.#o.hostId, ...(from ? { from } : {}), to, ...(message ? { message } : {}) });
  }

  /** Resolves when this host, as coordinator, has written the final state of the action. */
  #coordinate(name: string, handle: DocHandle<DeploymentDoc>, action: 'deploy' | 'undeploy'): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#coordinating.set(name, { action, done: resolve });
      this.#schedule(name, handle);
    });
  }

  /** Follows a deployment document this host has a role in (idempotent). */
  #watch(name: string, handle: DocHandle<DeploymentDoc>): void {
    if (this.#watched.has(handle.documentId)) return;
    const listener = (): void => this.#schedule(name, handle);
    this.#watched.set(handle.documentId, () => handle.off('change', listener));
    handle.on('change', listener);
    this.#schedule(name, handle);
  }

  /** Starts following the deployments of the cluster index in which this host has a role. */
  #syncWatches(): void {
    if (this.#closed) return;
    for (const ref of Object.values(this.#o.cluster.doc().deployments)) {
      if (!ref.hosts.includes(this.#o.hostId) || this.#watched.has(docIdOf(ref.docUrl)) || this.#finding.has(ref.name)) continue;
      this.#finding.add(ref.name);
      this.#track(
        this.#o.repo
          .find<DeploymentDoc>(ref.docUrl as AutomergeUrl, { signal: AbortSignal.timeout(this.#o.findTimeoutMs ?? 30_000) })
          .then((handle) => this.#watch(ref.name, handle))
          .finally(() => this.#finding.delete(ref.name)),
      );
    }
  }

  /** Coalesces change bursts and never re-enters a change listener with a change of our own. */
  #schedule(name: string, handle: DocHandle<DeploymentDoc>): void {
    if (this.#scheduled.has(handle.documentId) || this.#closed) return;
    this.#scheduled.add(handle.documentId);
    setImmediate(() => {
      this.#scheduled.delete(handle.documentId);
      if (!this.#closed) this.#reconcile(name, handle);
    });
  }

  #reconcile(name: string, handle: DocHandle<DeploymentDoc>): void {
    const doc = handle.doc();
    const nodes = Object.values(doc.nodes);
    const me = this.#o.hostId;
    const runner = this.#o.runner;
    // A host without a runner cannot run its nodes: they stay pending (visible in status).
    if (!runner) {
      this.#finish(name, handle);
      return;
    }
    if (doc.state === 'deploying') {
      for (const n of nodes) {
        const key = `${name}/${n.id}`;
        if (n.host !== me || n.state !== 'pending' || this.#inFlight.has(key)) continue;
        if (!n.dependsOn.every((d) => doc.nodes[d]?.state === 'started')) continue;
        this.#inFlight.add(key);
        this.#transition(handle, name, n.id, 'starting');
        const node: CompiledNode = { id: n.id, template: n.template, dependsOn: [...n.dependsOn] };
        this.#track(
          (async () => {
            try {
              await runner.start(name, node);
              this.#transition(handle, name, n.id, 'started');
            } catch (error) {
              this.#transition(handle, name, n.id, 'failed', asKhutulunError(error).toString());
            } finally {
              this.#inFlight.delete(key);
            }
          })(),
        );
      }
    } else if (doc.state === 'undeploying') {
      for (const n of nodes) {
        const key = `${name}/${n.id}`;
        if (n.host !== me || !needsStop(n) || this.#inFlight.has(key)) continue;
        const dependentsDown = nodes.every((m) => !m.dependsOn.includes(n.id) || isDown(m));
        if (!dependentsDown) continue;
        this.#inFlight.add(key);
        this.#transition(handle, name, n.id, 'stopping');
        const node: CompiledNode = { id: n.id, template: n.template, dependsOn: [...n.dependsOn] };
        this.#track(
          (async () => {
            try {
              await runner.stop(name, node);
              this.#transition(handle, name, n.id, 'stopped');
            } catch (error) {
              // Keep going: a stuck node must not keep its dependencies running. Record why.
              this.#transition(handle, name, n.id, 'failed', `${STOP_FAILED}${asKhutulunError(error).toString()}`);
            } finally {
              this.#inFlight.delete(key);
            }
          })(),
        );
      }
    }
    this.#finish(name, handle);
  }

  /** The coordinator's part: write the outcome once every node has settled. */
  #finish(name: string, handle: DocHandle<DeploymentDoc>): void {
    const job = this.#coordinating.get(name);
    if (!job) return;
    const doc = handle.doc();
    const nodes = Object.values(doc.nodes);
    if (job.action === 'deploy') {
      const failed = nodes.some((n) => n.state === 'failed');
      const busy = nodes.some((n) => n.state === 'starting');
      if (failed && !busy) {
        handle.change((d) => void (d.state = 'failed'));
      } else if (nodes.every((n) => n.state === 'started')) {
        handle.change((d) => void (d.state = 'deployed'));
        this.#o.events.publish({ type: 'deployment.deployed', at: this.#o.clock.now(), deployment: name, host: this.#o.hostId });
      } else return;
    } else {
      if (!nodes.every(isDown)) return;
      handle.change((d) => void (d.state = 'undeployed'));
    }
    this.#coordinating.delete(name);
    job.done();
  }
}

const STOP_FAILED = 'stop failed: ';
/** Handles kept for deployments this host only reads (automerge-repo never evicts on its own). */
const MAX_BORROWED = 32;

/** Down for undeploy purposes: never started, stopped, failed to start and cleaned, or failed to stop. */
function isDown(n: { state: string; message: string }): boolean {
  return n.state === 'pending' || n.state === 'stopped' || (n.state === 'failed' && n.message.startsWith(STOP_FAILED));
}

function needsStop(n: { state: string; message: string }): boolean {
  return n.state === 'started' || (n.state === 'failed' && !n.message.startsWith(STOP_FAILED));
}

function docIdOf(url: string): string {
  return url.startsWith('automerge:') ? url.slice('automerge:'.length) : url;
}
