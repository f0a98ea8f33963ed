/**
 * The agent's default DeploymentEngine: compiles through an injected Compiler, records the result
 * as one Automerge document per deployment (indexed in the cluster document so every host can find
 * it), places nodes through an injected Placer and runs them in dependency waves through an
 * injected NodeRunner, writing each transition into the document and onto the event stream.
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
import { dependencyWaves } from './waves.js';

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

  constructor(options: DocDeploymentEngineOptions) {
    this.#o = options;
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
      dependencyWaves(compiled.nodes); // reject cycles and dangling requirements before recording
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
      this.#track(this.#runDeploy(name, handle, compiled.nodes).finally(() => this.#busy.delete(name)));
      return statusOf(handle.doc());
    } catch (error) {
      this.#busy.delete(name);
      throw error;
    }
  }

  async status(name: string): Promise<DeploymentStatus> {
    return statusOf((await this.#find(name)).doc());
  }

  async outputs(name: string): Promise<Record<string, unknown>> {
    return statusOf((await this.#find(name)).doc()).outputs;
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
      await this.#runUndeploy(name, handle);
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

  async #runDeploy(name: string, handle: DocHandle<DeploymentDoc>, nodes: CompiledNode[]): Promise<void> {
    const runner = this.#o.runner;
    for (const wave of dependencyWaves(nodes)) {
      const results = await Promise.allSettled(
        wave.map(async (node) => {
          this.#transition(handle, name, node.id, 'starting');
          try {
            if (runner) await runner.start(name, node);
            this.#transition(handle, name, node.id, 'started');
          } catch (error) {
            this.#transition(handle, name, node.id, 'failed', asKhutulunError(error).toString());
            throw error;
          }
        }),
      );
      if (results.some((r) => r.status === 'rejected')) {
        handle.change((d) => void (d.state = 'failed'));
        return; // fail fast: later waves depend on this one
      }
    }
    handle.change((d) => void (d.state = 'deployed'));
    this.#o.events.publish({ type: 'deployment.deployed', at: this.#o.clock.now(), deployment: name, host: this.#o.hostId });
  }

  async #runUndeploy(name: string, handle: DocHandle<DeploymentDoc>): Promise<void> {
    const doc = handle.doc();
    const nodes: CompiledNode[] = Object.values(doc.nodes).map((n) => ({ id: n.id, template: n.template, dependsOn: [...n.dependsOn] }));
    handle.change((d) => void (d.state = 'undeploying'));
    const runner = this.#o.runner;
    for (const wave of dependencyWaves(nodes).reverse()) {
      await Promise.all(
        wave.map(async (node) => {
          const state = handle.doc().nodes[node.id]?.state;
          if (state === 'pending' || state === 'stopped') return;
          this.#transition(handle, name, node.id, 'stopping');
          try {
            if (runner) await runner.stop(name, node);
            this.#transition(handle, name, node.id, 'stopped');
          } catch (error) {
            // Keep going: a stuck node must not keep its dependencies running. Record why.
            this.#transition(handle, name, node.id, 'failed', asKhutulunError(error).toString());
          }
        }),
      );
    }
    handle.change((d) => void (d.state = 'undeployed'));
  }
}
