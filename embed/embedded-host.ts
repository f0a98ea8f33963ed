/**
 * The embedding facade: a Khutulun host inside another Node service, in a few typed calls.
 *
 *   const host = await startHost({ stateDir: '/var/lib/my-service/khutulun' });
 *   const off = host.events((e) => console.log(e.type, e.node, e.to));
 *   const status = await host.deploy('web', { file: 'service.yaml', inputs: { port: '8080' } });
 *   console.log(await host.outputs('web'));
 *   await host.scale('web', 'worker', 3);                         // waits until they run
 *   const stop = host.watch('web', { type: 'Process' }, (nodes) => …); // a custom controller
 *   await host.undeploy('web');
 *   await host.close();
 *
 * It is the same agent and engine `khutulun up` runs (one host, the process runtime, Podman/Docker
 * when their socket answers). Its API listens on loopback (`api.listen` to choose; `api.token`
 * : a token of the caller's, else a per-start random one; never open) and is recorded in stateDir, so the CLI reaches
 * it: `khutulun --state DIR status`, `logs`, `exec`.
 */
import { resolve } from 'node:path';
import { KhutulunError, systemRandom, silentLogger } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { startAgent } from '../agent/index.js';
import type { AgentEvent, DeploymentPlan, DeploymentStatus, DeploymentSummary, GraphNode, HistoryQuery, HistoryRecord, RunReport, RunSpec } from '../agent/index.js';
import { clusterEngine } from '../agent/cluster-engine.js';
import { watchNodes } from './watch-nodes.js';
import type { NodesListener, WatchNodesOptions } from './watch-nodes.js';

export interface EmbeddedHostOptions {
  /** Where the host keeps its documents, workload state and logs (created if missing). */
  stateDir: string;
  /** Host name (default `local`; kept in the state dir with the host id). */
  name?: string;
  logger?: Logger;
  /** Where the agent API listens (default `127.0.0.1:0`) and its token (default: a per-start random one in the owner-only agent.json). */
  api?: { listen?: string; token?: string };
}

/** What to deploy: a service template file, or its text. */
export type DeploySource = { file: string; inputs?: Record<string, string>; cwd?: string } | { source: string; inputs?: Record<string, unknown>; sourceName?: string };

export interface DeployResult {
  status: DeploymentStatus;
  /** The outputs once every node started (empty when the deployment failed). */
  outputs: Record<string, unknown>;
}

export interface EmbeddedHost {
  readonly hostId: string;
  readonly name: string;
  readonly stateDir: string;
  /** The agent API's URL (recorded in stateDir for the CLI). */
  readonly url: string;
  /** Deploys and waits until every node started (or one failed: then rejects with a coded error, nothing left running). */
  deploy(name: string, what: DeploySource): Promise<DeployResult>;
  status(name: string): Promise<DeploymentStatus>;
  outputs(name: string): Promise<Record<string, unknown>>;
  list(): Promise<DeploymentSummary[]>;
  /** What deploying `what` as NAME would change (nothing is written). */
  plan(name: string, what: DeploySource): Promise<DeploymentPlan>;
  /** Applies the plan of `what` to the existing NAME and waits like deploy. */
  update(name: string, what: DeploySource): Promise<DeployResult>;
  /** Sets the instance count of node template NODE and waits until the instances run (or rejects, coded). */
  scale(name: string, node: string, count: number): Promise<DeploymentStatus>;
  /** The nodes with their state, properties, attributes and endpoints (optionally of one TOSCA type). */
  nodes(name: string, options?: { type?: string }): Promise<GraphNode[]>;
  /** What happened to the nodes (old -> new values, host, time, generation); outlives undeploy. */
  history(name: string, query?: HistoryQuery): Promise<HistoryRecord[]>;
  /**
   * A custom controller: `listener` gets NAME's nodes (of `options.type`) now and after each change
   * of the deployment (at most every `everyMs`); it reacts by writing desired state (scale,
   * update). Errors go to `onError`. Returns the stop function.
   */
  watch(name: string, options: WatchNodesOptions, listener: NodesListener, onError?: (error: unknown) => void): () => void;
  /** Runs an interface operation (`{node?, operation, inputs?}`) or a workflow (`{workflow, inputs?}`); resolves with every step's result. */
  run(name: string, spec: RunSpec): Promise<RunReport>;
  /** Stops the nodes in reverse dependency order and removes the deployment. */
  undeploy(name: string): Promise<DeploymentStatus>;
  /** Node transitions and deployment happenings; returns the unsubscribe. `replay` first delivers the recent ones. */
  events(listener: (event: AgentEvent) => void, replay?: boolean): () => void;
  /** Stops the engine (workloads keep running and are adopted at the next start on the same stateDir). */
  close(): Promise<void>;
}

export async function startHost(options: EmbeddedHostOptions): Promise<EmbeddedHost> {
  if (typeof options?.stateDir !== 'string' || options.stateDir === '') {
    throw new KhutulunError('KH-EMBED-001', 'startHost needs a stateDir', { hint: 'pass { stateDir: "/var/lib/my-service/khutulun" }' });
  }
  const stateDir = resolve(options.stateDir);
  const logger = options.logger ?? silentLogger;
  // A host is a cluster of one: the same agent and engine as `khutulun up`.
  const cluster = clusterEngine({ stateDir });
  const agent = await startAgent({
    name: options.name ?? 'local',
    listen: options.api?.listen ?? '127.0.0.1:0',
    stateDir,
    learnPeers: false,
    logger,
    // No open loopback API (docs/security.md): the caller's token, or a per-start random one kept
    // only in the owner-only agent.json (the CLI reads it from the state folder).
    token: options.api?.token ?? systemRandom.hex(32),
    engine: cluster.factory,
  });
  let deployments: Awaited<ReturnType<typeof cluster.opened>>['engine'];
  try {
    deployments = (await cluster.opened()).engine;
  } catch (error) {
    await agent.close().catch(() => undefined);
    await cluster.close().catch(() => undefined);
    throw error;
  }
  let closed: Promise<void> | undefined;
  /** Waits for the latest request of NAME; a failure is a coded error (a new deployment is removed again). */
  const settle = async (name: string, created: boolean): Promise<void> => {
    const report = await deployments.settled(name);
    if (!report || report.ok) return;
    if (created) await deployments.undeploy(name, { force: true }).catch(() => undefined);
    throw new KhutulunError('KH-EMBED-002', `deployment ${name} failed: ${report.error?.message ?? 'a node failed'}`, {
      hint: report.failed.map((f) => `${f.vertex}: ${f.error?.message ?? f.phase}`).join('; ') || 'see the events',
      details: { failed: report.failed.map((f) => f.vertex) },
    });
  };
  return {
    hostId: agent.hostId,
    name: agent.name,
    stateDir,
    url: agent.url,
    async deploy(name, what) {
      const result =
        'file' in what
          ? await deployments.deployFile(name, what.file, what.inputs ?? {}, what.cwd ?? process.cwd())
          : await deployments.deploy({ name, source: what.source, inputs: what.inputs ?? {}, ...(what.sourceName !== undefined ? { sourceName: what.sourceName } : {}) });
      await settle(name, true);
      return { status: { ...(await deployments.status(name)), name: result.name }, outputs: await deployments.outputs(name) };
    },
    plan: (name, what) =>
      'file' in what
        ? deployments.planFile(name, what.file, what.inputs ?? {}, what.cwd ?? process.cwd())
        : deployments.plan({ name, source: what.source, inputs: what.inputs ?? {}, ...(what.sourceName !== undefined ? { sourceName: what.sourceName } : {}) }),
    async update(name, what) {
      if ('file' in what) await deployments.updateFile(name, what.file, what.inputs ?? {}, what.cwd ?? process.cwd());
      else await deployments.update({ name, source: what.source, inputs: what.inputs ?? {}, ...(what.sourceName !== undefined ? { sourceName: what.sourceName } : {}) });
      await settle(name, false);
      return { status: await deployments.status(name), outputs: await deployments.outputs(name) };
    },
    async scale(name, node, count) {
      await deployments.scale(name, node, count);
      await settle(name, false);
      return deployments.status(name);
    },
    nodes: async (name, options = {}) => (await deployments.graph(name)).nodes.filter((n) => options.type === undefined || n.type === options.type),
    history: (name, query) => deployments.history(name, query),
    watch: (name, options, listener, onError) =>
      watchNodes(name, async () => (await deployments.graph(name)).nodes, (l) => agent.events.subscribe(l), listener, options, onError),
    status: (name) => deployments.status(name),
    outputs: (name) => deployments.outputs(name),
    list: () => deployments.list(),
    run: (name, spec) => deployments.run(name, spec),
    undeploy: (name) => deployments.undeploy(name),
    events: (listener, replay = false) => agent.events.subscribe(listener, replay),
    close() {
      closed ??= (async () => {
        await agent.close().catch(() => undefined);
        await cluster.close();
      })();
      return closed;
    },
  };
}
