/**
 * The production DeploymentEngine: TOSCA compiled by tosca/, instantiated into a Floria deployment
 * in the store, placed (owners written), and run by the actors' HostEngine in dependency waves.
 * Node status comes from the vertexes' stored status, outputs from the service vertex.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KhutulunError, asKhutulunError } from '../common/index.js';
import type { Clock, Logger } from '../common/index.js';
import { formatEntityId } from '../store/index.js';
import type { Deployment, Store } from '../store/index.js';
import type { DeploymentReport, HostEngine } from '../actors/index.js';
import { buildCatalog } from '../tosca/index.js';
import { compileFile, instantiateService, readOutputs } from '../tosca/compile/index.js';
import type { DeploymentEngine, DeploymentStatus, DeploymentSummary, DeployRequest, NodeStatus } from './deployment-engine.js';
import type { EventHub } from './event-hub.js';
import { notFound, validateDeploymentName } from './errors.js';
import type { DocHandle } from '@automerge/automerge-repo';
import { readRequest, writeRequest } from './cluster-reconciler.js';
import type { ReconcileResult , ClusterReconciler} from './cluster-reconciler.js';
import type { ClusterDoc } from './cluster-doc.js';
import type { HostView } from './membership.js';
import { placeDeployment } from './placement.js';
import { writePlacementClaims } from './ownership-keeper.js';

export interface StoreEngineOptions {
  readonly store: Store;
  readonly engine: HostEngine;
  readonly hostId: string;
  /** Where sources sent over the API are kept (so relative imports and artifacts resolve). */
  readonly stateDir?: string;
  /** Extra profile folders for the catalog (the project's profiles/ are always there). */
  readonly profileDirs?: readonly string[];
  readonly events?: EventHub;
  /** Filled with deployment name -> source folder on deploy (LocalHost.sources: artifact paths). */
  readonly sources?: Map<string, string>;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Cluster mode: nodes are placed over the membership, every host with a role runs its own nodes
   * through its ClusterReconciler, and this host only records requests and waits for the outcome.
   */
  readonly cluster?: {
    readonly reconciler: ClusterReconciler;
    readonly hosts: () => HostView[];
    /** The agent's cluster document: the deployment index that says who has a role where. */
    readonly doc: DocHandle<ClusterDoc>;
    /** How long undeploy waits for every host to stop its nodes (default 120 s). */
    readonly undeployTimeoutMs?: number;
  };
}

/** Actor phases -> the agent's node states (the same words where they exist). */
function nodeState(phase: string | undefined): string {
  return phase ?? 'initial';
}

export class StoreDeploymentEngine implements DeploymentEngine {
  readonly #o: StoreEngineOptions;
  readonly #runs = new Map<string, Promise<DeploymentReport>>();
  readonly #unsubscribe: () => void;

  constructor(options: StoreEngineOptions) {
    this.#o = options;
    this.#unsubscribe = options.engine.inspect((e) =>
      options.events?.publish({ type: 'node.transition', at: e.at, deployment: e.deployment, node: e.vertex, host: options.hostId, from: e.from, to: e.to, message: e.reason }),
    );
  }

  /** Compiles FILE (YAML, CSAR or folder), instantiates it as deployment NAME, places it and starts it. */
  async deployFile(name: string, file: string, inputs: Readonly<Record<string, string>> = {}, cwd = process.cwd()): Promise<DeploymentStatus> {
    validateDeploymentName(name);
    const path = resolve(cwd, file);
    this.#o.sources?.set(name, existsSync(path) && statSync(path).isDirectory() ? path : dirname(path));
    const existing = this.#o.store.listDeployments().some((d) => d.name === name);
    if (!existing) {
      const catalog = await buildCatalog(this.#o.profileDirs ?? [], cwd);
      const compiled = await compileFile(file, { catalog, cwd, inputs });
      if (!compiled.ok || !compiled.service) {
        throw new KhutulunError(compiled.ioError ? 'KH-AGENT-SOURCE' : 'KH-AGENT-INVALID', `${file} is not a deployable service template: ${compiled.problems.length} problem(s)`, {
          hint: compiled.problems.slice(0, 5).map((p) => `${p.file}:${p.line}:${p.column}: ${p.code}: ${p.message}`).join('\n') || 'run `khutulun validate FILE`',
          details: { problems: compiled.problems },
        });
      }
      const d = await this.#o.store.createDeployment(name);
      try {
        const inst = await instantiateService(d, compiled.service);
        if (inst.problems.length > 0) {
          throw new KhutulunError('KH-AGENT-INSTANTIATE', `${name}: ${inst.problems.map((p) => p.message).join('; ')}`, {
            hint: 'fix the template (requirements, counts, inputs) and deploy again',
            details: { problems: inst.problems },
          });
        }
        await this.#place(d);
      } catch (error) {
        // Leave no half-made deployment behind: the stored state stays consistent.
        await this.#o.store.deleteDeployment(name).catch(() => undefined);
        throw error;
      }
      this.#o.events?.publish({ type: 'deployment.created', at: this.#o.clock.now(), deployment: name });
    }
    this.#start(name);
    return this.status(name);
  }

  async deploy(request: DeployRequest): Promise<DeploymentStatus> {
    validateDeploymentName(request.name);
    if (!this.#o.stateDir) throw new KhutulunError('KH-AGENT-NO-STATE', 'this agent has no state directory for sources', { hint: 'start the agent with --state DIR' });
    const dir = join(this.#o.stateDir, 'sources', request.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'service.yaml');
    writeFileSync(file, request.source);
    const inputs = Object.fromEntries(Object.entries(request.inputs).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return this.deployFile(request.name, file, inputs, dir);
  }

  /** Waits for the running deploy/undeploy of NAME (resolves with its report). */
  async settled(name: string): Promise<DeploymentReport | undefined> {
    return this.#runs.get(name);
  }

  async status(name: string): Promise<DeploymentStatus> {
    const d = await this.#open(name);
    const nodes: NodeStatus[] = d
      .query({ kind: 'vertex', directory: ['nodes'] })
      .map((v) => ({
        id: formatEntityId(v.id),
        template: String(v.metadata['tosca:template'] ?? v.id.name),
        host: v.owner ?? this.#o.hostId,
        hostId: v.owner ?? this.#o.hostId,
        state: nodeState(v.status?.state),
        ...(v.status?.error ? { message: `${v.status.error.code}: ${v.status.error.message}` } : v.status?.reason ? { message: v.status.reason } : {}),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const failed = nodes.some((n) => n.state === 'error');
    const allStarted = nodes.every((n) => n.state === 'started');
    const allGone = nodes.every((n) => n.state === 'deleted' || n.state === 'initial');
    // The recorded request (cluster mode) says where every host is heading; else a run in flight
    // here (#runs holds deploys only: undeploy runs inline) means deploying.
    const request = this.#o.cluster ? readRequest(d) : undefined;
    const running = request ? request.goal === 'deployed' : this.#runs.has(name);
    const state = failed
      ? 'failed'
      : request?.goal === 'undeployed'
        ? allGone ? 'undeployed' : 'undeploying'
        : allStarted ? 'deployed' : running ? 'deploying' : allGone ? 'undeployed' : 'partial';
    return { name, state, nodes, outputs: await this.outputs(name).catch(() => ({})) };
  }

  async outputs(name: string): Promise<Record<string, unknown>> {
    return (await readOutputs(await this.#open(name))).outputs;
  }

  async undeploy(name: string): Promise<DeploymentStatus> {
    const d = await this.#open(name);
    if (this.#o.cluster) return this.#undeployCluster(d, this.#o.cluster);
    await this.#runs.get(name)?.catch(() => undefined);
    const report = await this.#o.engine.undeploy(name);
    if (!report.ok) {
      throw new KhutulunError('KH-AGENT-UNDEPLOY', `undeploy of ${name} stopped: ${report.error?.message ?? 'a node failed to stop'}`, {
        hint: 'fix the cause and run undeploy again: it resumes',
        retryable: true,
        ...(report.error ? { details: { error: report.error } } : {}),
      });
    }
    const status = await this.status(name);
    await this.#o.store.deleteDeployment(name);
    this.#o.events?.publish({ type: 'deployment.removed', at: this.#o.clock.now(), deployment: name });
    return { ...status, state: 'undeployed' };
  }

  async list(): Promise<DeploymentSummary[]> {
    const out: DeploymentSummary[] = [];
    for (const info of this.#o.store.listDeployments()) {
      const s = await this.status(info.name).catch(() => undefined);
      out.push({ name: info.name, state: s?.state ?? 'unknown', nodes: s?.nodes.length ?? 0 });
    }
    return out;
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.#runs.values()]);
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Cluster mode: record the request; every host with a role stops its own nodes in order. */
  async #undeployCluster(d: Deployment, cluster: NonNullable<StoreEngineOptions['cluster']>): Promise<DeploymentStatus> {
    const name = d.name;
    this.#register(name, d.url, []);
    const request = await writeRequest(d, 'undeployed');
    const result = await cluster.reconciler
      .until(name, (r) => r.request.generation >= request.generation && (r.done || stuck(r)), cluster.undeployTimeoutMs ?? 120_000)
      .catch(() => undefined);
    if (!result?.done) {
      const left = (await this.status(name)).nodes.filter((n) => n.state !== 'deleted' && n.state !== 'initial');
      throw new KhutulunError('KH-AGENT-UNDEPLOY', `undeploy of ${name} is not finished: ${left.map((n) => `${n.id} on ${n.host} is ${n.state}`).join(', ')}`, {
        hint: 'a host that owns nodes may be offline or failing: its nodes stop when it is back (the request is recorded); run undeploy again to finish',
        retryable: true,
        details: { nodes: left },
      });
    }
    const status = await this.status(name);
    await this.#o.store.deleteDeployment(name);
    cluster.doc.change((c) => void delete c.deployments[name]);
    this.#o.events?.publish({ type: 'deployment.removed', at: this.#o.clock.now(), deployment: name });
    return { ...status, state: 'undeployed' };
  }

  /** Cluster mode: list this deployment in the agent's index, with the hosts that have a role. */
  #register(name: string, url: string, hosts: readonly string[]): void {
    const doc = this.#o.cluster?.doc;
    if (!doc) return;
    doc.change((c) => {
      const ref = c.deployments[name];
      const all = [...new Set([...(ref?.hosts ?? []), ...hosts, this.#o.hostId])].sort();
      if (!ref) c.deployments[name] = { name, docUrl: url, hosts: all, createdAt: this.#o.clock.now(), createdBy: this.#o.hostId };
      else if (all.length !== ref.hosts.length) ref.hosts = all;
    });
  }

  #start(name: string): void {
    if (this.#runs.has(name)) return;
    const cluster = this.#o.cluster;
    const launch = cluster
      ? this.#open(name).then(async (d) => {
          const request = await writeRequest(d, 'deployed');
          const r = await cluster.reconciler.until(name, (x) => x.request.generation >= request.generation && (x.done || stuck(x)), 24 * 3600_000);
          return clusterReport(name, r);
        })
      : this.#o.engine.deploy(name);
    const run = launch.then(
      (report) => {
        this.#o.events?.publish({ type: report.ok ? 'deployment.deployed' : 'deployment.failed', at: this.#o.clock.now(), deployment: name, ...(report.error ? { message: report.error.message } : {}) });
        return report;
      },
      (error: unknown) => {
        const e = asKhutulunError(error);
        this.#o.logger.log('error', 'deploy failed', { deployment: name, error: e.toString() });
        throw e;
      },
    );
    this.#runs.set(name, run);
    void run.catch(() => undefined).finally(() => this.#runs.delete(name));
  }

  /** Single host: every node is owned here; cluster mode: the scheduler places them over the hosts. */
  async #place(d: Deployment): Promise<void> {
    if (this.#o.cluster) {
      const owners = await placeDeployment(d, this.#o.cluster.hosts());
      await writePlacementClaims(d, owners, this.#o.hostId);
      await d.flush();
      this.#register(d.name, d.url, [...owners.values()]);
      return;
    }
    await Promise.all(d.query({ kind: 'vertex', directory: ['nodes'] }).map((v) => d.setOwner(v.id, this.#o.hostId)));
    await d.flush();
  }

  async #open(name: string): Promise<Deployment> {
    if (!this.#o.store.listDeployments().some((d) => d.name === name)) {
      throw notFound(name);
    }
    return this.#o.store.openDeployment(name);
  }
}

/** Nothing more can happen without a new request: something failed and nothing is in progress. */
function stuck(r: ReconcileResult): boolean {
  return r.failed.length > 0 && ![...r.waiting.values()].some((blockers) => blockers.length === 0);
}

function clusterReport(name: string, r: ReconcileResult): DeploymentReport {
  const failed = r.vertexes.filter((v) => v.phase === 'error');
  return {
    deployment: name,
    action: 'deploy',
    ok: r.done,
    waves: [],
    completedWaves: 0,
    failed,
    ...(failed[0]?.error ? { error: failed[0].error } : {}),
    vertexes: [...r.vertexes],
  };
}
