/**
 * The production DeploymentEngine — the only one: `khutulun up` (a cluster of one), a multi-host
 * agent and embedders all run it. Every operation is a change of desired state in the deployment's
 * document plus a new request generation; every host with a role reconciles its own nodes
 * (ClusterReconciler -> HostEngine.reconcile) and writes observed state back. Deploy, update and
 * scale share one path: compile -> instantiate in a scratch store -> plan (a pure diff) -> apply.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KeyedMutex, KhutulunError, asKhutulunError } from '../common/index.js';
import { formatEntityId } from '../store/index.js';
import type { Deployment } from '../store/index.js';
import type * as ToscaCompile from '../tosca/compile/index.js';
import type { DeploymentReport } from '../actors/index.js';
// The TOSCA processor loads with the first deploy or outputs read, not with the agent (idle memory).
const toscaCompile = (): Promise<typeof ToscaCompile> => import('../tosca/compile/index.js');
import type { CompiledService } from '../tosca/compile/index.js';
import type { DeployRequest, DeployResult, DeploymentEngine, DeploymentStatus, DeploymentSummary, UndeployOptions, UndeployResult } from './deployment-engine.js';
import { notFound, validateDeploymentName } from './errors.js';
import { clusterReport, readRequest, stuck, writeRequest } from './cluster-reconciler.js';
import { placeDeployment } from './placement.js';
import { writePlacementClaims } from './ownership-keeper.js';
import { desiredState, MAX_COUNT, readSource, writeSource } from './desired-state.js';
import type { DeploymentSource } from './desired-state.js';
import { snapshotOf } from './graph-snapshot.js';
import { planUpdate } from './update-plan.js';
import type { DeploymentPlan } from './update-plan.js';
import { applyPlan, stampGeneration } from './update-apply.js';
import { readStatus } from './deployment-status.js';
import { runRequest } from './workflow-run.js';
import type { StoreEngineOptions } from './store-engine-options.js';
import { CompilePool } from './compile-pool.js';
import type { RunReport, RunSpec } from './deployment-engine.js';
import { readGraph } from './deployment-graph.js';
import type { DeploymentGraph } from './deployment-graph.js';
import { readHistory } from './deployment-history.js';
import type { HistoryQuery, HistoryRecord } from './deployment-history.js';
import { archiveHistory, DEFAULT_HISTORY_RETENTION_MS, historyOf } from './history-archive.js';


export class StoreDeploymentEngine implements DeploymentEngine {
  readonly #o: StoreEngineOptions;
  /** The latest request per deployment and the report it settles with. */
  readonly #runs = new Map<string, Promise<DeploymentReport>>();
  /** One desired-state change at a time per deployment (plan + apply are not interleaved). */
  readonly #locks = new KeyedMutex();
  readonly #unsubscribe: () => void;
  #runCounter = 0;
  /** Templates compile in a worker thread: the event loop keeps answering meanwhile. */
  readonly #compiler = new CompilePool();
  /** The last update applied per deployment: the live page shows it while it is in progress. */
  readonly #lastPlans = new Map<string, { generation: number; plan: DeploymentPlan }>();

  constructor(options: StoreEngineOptions) {
    this.#o = options;
    this.#unsubscribe = options.engine.inspect((e) =>
      options.events?.publish({ type: e.event === 'delivered' ? 'node.event' : 'node.transition', at: e.at, deployment: e.deployment, node: e.vertex, host: options.hostId, from: e.from, to: e.to, message: e.reason }),
    );
  }

  /** Deploys FILE (YAML, CSAR or folder) as NAME: creates it, or updates it when it exists. */
  deployFile(name: string, file: string, inputs: Readonly<Record<string, string>> = {}, cwd = process.cwd()): Promise<DeployResult> {
    validateDeploymentName(name);
    return this.#exclusive(name, async () => {
      const source = this.#source(file, inputs, cwd);
      if (!this.#exists(name)) return this.#create(name, source);
      return this.#update(name, source, false);
    });
  }

  async deploy(request: DeployRequest): Promise<DeployResult> {
    const { file, inputs, dir } = this.#saveSource(request);
    return this.deployFile(request.name, file, inputs, dir);
  }

  /** What deploying FILE as NAME would change (nothing is written). */
  async planFile(name: string, file: string, inputs: Readonly<Record<string, string>> = {}, cwd = process.cwd()): Promise<DeploymentPlan> {
    validateDeploymentName(name);
    const source = this.#source(file, inputs, cwd);
    const desired = await desiredState(name, source, this.#desiredOptions());
    try {
      const current = this.#exists(name) ? snapshotOf(await this.#open(name)) : undefined;
      return planUpdate(name, current, snapshotOf(desired.scratch));
    } finally {
      await desired.close();
    }
  }

  async plan(request: DeployRequest): Promise<DeploymentPlan> {
    // A plan writes nothing: the source goes to a temporary folder of its own.
    const { file, inputs, dir } = this.#saveSource(request, true);
    return this.planFile(request.name, file, inputs, dir);
  }

  /** Applies the plan of FILE to the existing deployment NAME (dryRun: only the plan). */
  updateFile(name: string, file: string, inputs: Readonly<Record<string, string>> = {}, cwd = process.cwd(), options: { dryRun?: boolean } = {}): Promise<DeployResult> {
    validateDeploymentName(name);
    return this.#exclusive(name, async () => {
      if (!this.#exists(name)) throw notFound(name);
      return this.#update(name, this.#source(file, inputs, cwd), options.dryRun ?? false);
    });
  }

  async update(request: DeployRequest, options: { dryRun?: boolean } = {}): Promise<DeployResult> {
    if (!this.#exists(request.name)) throw notFound(request.name);
    const { file, inputs, dir } = this.#saveSource(request, options.dryRun);
    return this.updateFile(request.name, file, inputs, dir, options);
  }

  /** Sets the instance count of node template NODE (kept until an update with a new file). */
  scale(name: string, node: string, count: number, options: { dryRun?: boolean } = {}): Promise<DeployResult> {
    validateDeploymentName(name);
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) {
      return Promise.reject(new KhutulunError('KH-AGENT-BAD-COUNT', `count ${count} is not an instance count`, { hint: `give an integer from 0 to ${MAX_COUNT}` }));
    }
    return this.#exclusive(name, async () => {
      const d = await this.#open(name);
      const source = readSource(d);
      if (!source) {
        throw new KhutulunError('KH-AGENT-NO-SOURCE', `${name} has no recorded source to scale from`, { hint: 'deploy it again with its template (khutulun deploy/up FILE), then scale' });
      }
      if (!existsSync(source.file)) {
        throw new KhutulunError('KH-AGENT-SOURCE', `the template of ${name} (${source.file}) is not on this host`, {
          hint: 'scale through the agent that deployed it, or run `update NAME FILE` with the template here',
          retryable: false,
        });
      }
      return this.#update(name, { ...source, counts: { ...(source.counts ?? {}), [node]: count } }, options.dryRun ?? false, true);
    });
  }

  /** Resolves with the report of the latest request of NAME once it settled (converged or stuck). */
  async settled(name: string): Promise<DeploymentReport | undefined> {
    return this.#runs.get(name);
  }

  async status(name: string): Promise<DeploymentStatus> {
    const d = await this.#open(name);
    const s = readStatus(d, readRequest(d), this.#o.clock.now(), this.#o.hostId);
    return { ...s, outputs: await this.outputs(name).catch(() => ({})) };
  }

  async graph(name: string): Promise<DeploymentGraph> {
    const d = await this.#open(name);
    const graph = readGraph(d, readStatus(d, readRequest(d), this.#o.clock.now(), this.#o.hostId));
    const last = this.#lastPlans.get(name);
    const pending = last !== undefined && graph.nodes.some((n) => (n.generation ?? 0) < (n.desiredGeneration ?? 0) || n.message?.startsWith('being removed'));
    return pending ? { ...graph, pendingUpdate: last } : graph;
  }

  /** The nodes' history: archived incarnations of NAME (undeployed), then the live document's. */
  async history(name: string, query: HistoryQuery = {}): Promise<HistoryRecord[]> {
    validateDeploymentName(name);
    const live = this.#exists(name) ? await this.#open(name) : undefined;
    return historyOf(name, live, query, { stateDir: this.#o.stateDir, now: this.#o.clock.now(), retentionMs: this.#o.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS });
  }

  async outputs(name: string): Promise<Record<string, unknown>> {
    const { readOutputs } = await toscaCompile();
    return (await readOutputs(await this.#open(name))).outputs;
  }

  async undeploy(name: string, options: UndeployOptions = {}): Promise<UndeployResult> {
    const d = await this.#open(name);
    this.#register(name, d.url, []);
    const request = await writeRequest(d, 'undeployed');
    this.#watch(name, request.generation, 'undeploy');
    const wait = options.force ? (this.#o.forceTimeoutMs ?? 10_000) : (this.#o.undeployTimeoutMs ?? 50_000);
    const result = await this.#o.reconciler.until(name, (r) => r.request.generation >= request.generation && (r.done || stuck(r)), wait).catch(() => undefined);
    if (!result?.done && !options.force) {
      const left = (await this.status(name)).nodes.filter((n) => n.state !== 'deleted' && n.state !== 'initial');
      throw new KhutulunError('KH-AGENT-UNDEPLOY', `undeploy of ${name} is not finished: ${left.map((n) => `${n.id} on ${n.host} is ${n.state}${n.message ? ` (${n.message})` : ''}`).join(', ')}`, {
        hint: 'a host that owns nodes may be offline or failing: they stop when it is back (the request is recorded); run undeploy again to wait, or `undeploy --force` to remove the record now',
        retryable: true,
        details: { nodes: left },
      });
    }
    const status = await this.status(name);
    const leftBehind = result?.done ? [] : status.nodes.filter((n) => n.state !== 'deleted' && n.state !== 'initial');
    // Force: what this host runs is removed from its runtimes whatever the actors say (best
    // effort); every node whose owner did not confirm is reported as possibly left behind.
    for (const n of leftBehind) {
      if (n.hostId === this.#o.hostId) await this.#o.engine.release(name, n.id).catch(() => false);
    }
    // History outlives the document (history-archive.ts).
    if (this.#o.stateDir !== undefined) {
      archiveHistory(this.#o.stateDir, name, readHistory(d), this.#o.clock.now(), this.#o.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS);
    }
    this.#lastPlans.delete(name);
    await this.#o.store.deleteDeployment(name);
    this.#o.doc.change((c) => void delete c.deployments[name]);
    await this.#o.shipping?.release(name);
    this.#o.events?.publish({ type: 'deployment.removed', at: this.#o.clock.now(), deployment: name, ...(leftBehind.length > 0 ? { message: `forced: ${leftBehind.length} node(s) unconfirmed` } : {}) });
    return { ...status, state: 'undeployed', ...(options.force ? { leftBehind } : {}) };
  }

  /** Runs an operation (on NODE's instances, or every node implementing it) or a workflow, through the owners. */
  async run(name: string, spec: RunSpec): Promise<RunReport> {
    const d = await this.#open(name);
    const newId = (): string => `${this.#o.hostId}.${this.#o.clock.now()}.${++this.#runCounter}`;
    return runRequest(d, spec, { clock: this.#o.clock, newId, ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}) }, this.#o.events);
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
    await this.#locks.idle();
  }

  close(): void {
    this.#unsubscribe();
    void this.#compiler.close();
  }

  async #create(name: string, source: DeploymentSource): Promise<DeployResult> {
    // Compiled and instantiated in a scratch store first: a template that cannot be deployed
    // leaves nothing behind, and the plan of a new deployment is the same diff as an update's.
    const desired = await desiredState(name, source, this.#desiredOptions());
    let plan: DeploymentPlan;
    const d = await this.#o.store.createDeployment(name);
    try {
      plan = planUpdate(name, undefined, snapshotOf(desired.scratch));
      const { instantiateService } = await toscaCompile();
      const inst = await instantiateService(d, desired.service);
      if (inst.problems.length > 0) {
        throw new KhutulunError('KH-AGENT-INSTANTIATE', `${name}: ${inst.problems.map((p) => p.message).join('; ')}`, { hint: 'fix the template and deploy again', details: { problems: inst.problems } });
      }
      await writeSource(d, source);
      await stampGeneration(d, 1);
      await this.#place(d);
      await this.#o.shipping?.publish(d, desired.plugins);
    } catch (error) {
      await this.#o.store.deleteDeployment(name).catch(() => undefined);
      throw error;
    } finally {
      await desired.close();
    }
    this.#o.events?.publish({ type: 'deployment.created', at: this.#o.clock.now(), deployment: name });
    const request = await writeRequest(d, 'deployed');
    this.#watch(name, request.generation, 'deploy');
    return { ...(await this.status(name)), action: 'created', plan };
  }

  async #update(name: string, source: DeploymentSource, dryRun: boolean, keepCounts = false): Promise<DeployResult> {
    const d = await this.#open(name);
    const recorded = readSource(d);
    // A new template is the source of truth again: `scale` overrides end with it.
    const next: DeploymentSource = keepCounts ? source : { file: source.file, cwd: source.cwd, inputs: source.inputs };
    const desired = await desiredState(name, next, this.#desiredOptions());
    try {
      const plan = planUpdate(name, snapshotOf(d), snapshotOf(desired.scratch));
      if (dryRun) return { ...(await this.status(name)), action: plan.empty ? 'unchanged' : 'updated', plan };
      const previous = readRequest(d)?.generation ?? 0;
      const generation = previous + 1;
      // Placement first, on the scratch copy: a node that cannot be placed refuses the request
      // before anything is written (an unplaced vertex in the document would run nowhere, or twice).
      const owners = plan.changes.some((c) => c.action === 'create') ? await this.#placeScratch(d, desired.scratch) : undefined;
      if (!plan.empty) await applyPlan(d, desired.scratch, plan, generation);
      if (!plan.empty || JSON.stringify(recorded) !== JSON.stringify(next)) await writeSource(d, next);
      if (owners) await this.#adopt(d, owners);
      if (!plan.empty || desired.plugins.length > 0) await this.#o.shipping?.publish(d, desired.plugins);
      // Always a new request: an unchanged deploy of a failed deployment tries its failures again.
      const request = await writeRequest(d, 'deployed');
      this.#watch(name, request.generation, 'deploy');
      if (!plan.empty) this.#lastPlans.set(name, { generation: request.generation, plan });
      if (!plan.empty) this.#o.events?.publish({ type: 'deployment.updated', at: this.#o.clock.now(), deployment: name, message: `${plan.changes.length} change(s), generation ${request.generation}` });
      return { ...(await this.status(name)), action: plan.empty ? 'unchanged' : 'updated', plan };
    } finally {
      await desired.close();
    }
  }

  /** Follows request `generation` of NAME until it converges or is stuck; settled() returns it. */
  #watch(name: string, generation: number, action: 'deploy' | 'undeploy'): void {
    const run = this.#o.reconciler.until(name, (r) => r.request.generation >= generation && (r.done || stuck(r)), 24 * 3600_000).then(
      (r) => {
        const report = clusterReport(name, r, action);
        if (action === 'deploy') {
          this.#o.events?.publish({ type: report.ok ? 'deployment.deployed' : 'deployment.failed', at: this.#o.clock.now(), deployment: name, ...(report.error ? { message: report.error.message } : {}) });
        }
        return report;
      },
      (error: unknown) => {
        const e = asKhutulunError(error);
        this.#o.logger.log('debug', 'stopped following a request', { deployment: name, error: e.toString() });
        throw e;
      },
    );
    void run.catch(() => undefined);
    this.#runs.set(name, run);
  }

  #source(file: string, inputs: Readonly<Record<string, string>>, cwd: string): DeploymentSource {
    return { file: resolve(cwd, file), cwd, inputs: { ...inputs } };
  }

  /** Writes an API request's source into the state dir (so relative paths resolve and scale can compile it again). */
  #saveSource(request: DeployRequest, scratch = false): { file: string; inputs: Record<string, string>; dir: string } {
    validateDeploymentName(request.name);
    if (!this.#o.stateDir) throw new KhutulunError('KH-AGENT-NO-STATE', 'this agent has no state directory for sources', { hint: 'start the agent with --state DIR' });
    const dir = join(this.#o.stateDir, scratch ? 'plans' : 'sources', request.name);
    mkdirSync(dir, { recursive: true });
    // A CSAR keeps its artifacts (plugin components) beside its templates; YAML is one file.
    const file = join(dir, request.archive !== undefined ? 'service.csar' : 'service.yaml');
    writeFileSync(file, request.archive !== undefined ? Buffer.from(request.archive, 'base64') : request.source);
    const inputs = Object.fromEntries(Object.entries(request.inputs).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return { file, inputs, dir };
  }

  #desiredOptions(): Parameters<typeof desiredState>[2] {
    const shipping = this.#o.shipping;
    return {
      hostId: this.#o.hostId,
      clock: this.#o.clock,
      profileDirs: this.#o.profileDirs ?? [],
      functions: this.#o.functions,
      compile: (task) => this.#compiler.compile(task),
      ...(shipping && { plugins: (service: CompiledService, source: DeploymentSource) => shipping.resolve(service, source) }),
    };
  }

  /** List this deployment in the agent's index, with the hosts that have a role. */
  #register(name: string, url: string, hosts: readonly string[]): void {
    this.#o.doc.change((c) => {
      const ref = c.deployments[name];
      const all = [...new Set([...(ref?.hosts ?? []), ...hosts, this.#o.hostId])].sort();
      if (!ref) c.deployments[name] = { name, docUrl: url, hosts: all, createdAt: this.#o.clock.now(), createdBy: this.#o.hostId };
      else if (all.length !== ref.hosts.length) ref.hosts = all;
    });
  }

  /** Places the scratch deployment's nodes, the ones the document already has where they are. */
  async #placeScratch(d: Deployment, scratch: Deployment): Promise<Map<string, string>> {
    for (const v of d.query({ kind: 'vertex', directory: ['nodes'] })) {
      const twin = scratch.get('vertex', v.id);
      if (v.owner && twin) await scratch.setOwner(twin.id, v.owner);
    }
    await scratch.flush();
    return placeDeployment(scratch, this.#o.hosts());
  }

  /** Writes the owners chosen on the scratch copy for the document's new vertexes. */
  async #adopt(d: Deployment, owners: ReadonlyMap<string, string>): Promise<void> {
    for (const v of d.query({ kind: 'vertex', directory: ['nodes'] })) {
      const host = owners.get(formatEntityId(v.id));
      if (host && !v.owner) await d.setOwner(v.id, host);
    }
    await d.flush();
    await writePlacementClaims(d, owners, this.#o.hostId);
    await d.flush();
    this.#register(d.name, d.url, [...owners.values()]);
  }

  /** The scheduler places every unplaced node over the hosts; placed ones keep their owner. */
  async #place(d: Deployment): Promise<void> {
    const owners = await placeDeployment(d, this.#o.hosts());
    await writePlacementClaims(d, owners, this.#o.hostId);
    await d.flush();
    this.#register(d.name, d.url, [...owners.values()]);
    // Artifacts with relative paths resolve against the template's folder (LocalHost.sources).
    const file = readSource(d)?.file;
    if (file) this.#o.sources?.set(d.name, existsSync(file) && statSync(file).isDirectory() ? file : dirname(file));
  }

  #exists(name: string): boolean {
    return this.#o.store.listDeployments().some((d) => d.name === name);
  }

  async #open(name: string): Promise<Deployment> {
    if (!this.#exists(name)) throw notFound(name);
    return this.#o.store.openDeployment(name);
  }

  #exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(name, fn);
  }
}
