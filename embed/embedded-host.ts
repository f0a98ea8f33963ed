/**
 * The embedding facade: a Khutulun host inside another Node service, in a few typed calls.
 *
 *   const host = await startHost({ stateDir: '/var/lib/my-service/khutulun' });
 *   const off = host.events((e) => console.log(e.type, e.node, e.to));
 *   const status = await host.deploy('web', { file: 'service.yaml', inputs: { port: '8080' } });
 *   console.log(await host.outputs('web'));
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
import type { AgentEvent, DeploymentPlan, DeploymentStatus, DeploymentSummary, RunReport, RunSpec } from '../agent/index.js';
import { clusterEngine } from '../agent/cluster-engine.js';

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
  /** Applies the plan of `what` to the existing NAME; resolves once recorded (watch status or events for progress). */
  update(name: string, what: DeploySource, options?: { dryRun?: boolean }): Promise<DeploymentStatus>;
  /** Sets the instance count of one node template (a Day-2 update). */
  scale(name: string, node: string, count: number, options?: { dryRun?: boolean }): Promise<DeploymentStatus>;
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
      const report = await deployments.settled(name);
      if (report && !report.ok) {
        await deployments.undeploy(name, { force: true }).catch(() => undefined);
        throw new KhutulunError('KH-EMBED-002', `deployment ${name} failed: ${report.error?.message ?? 'a node failed'}`, {
          hint: report.failed.map((f) => `${f.vertex}: ${f.error?.message ?? f.phase}`).join('; ') || 'see the events',
          details: { failed: report.failed.map((f) => f.vertex) },
        });
      }
      return { status: { ...(await deployments.status(name)), name: result.name }, outputs: await deployments.outputs(name) };
    },
    status: (name) => deployments.status(name),
    outputs: (name) => deployments.outputs(name),
    list: () => deployments.list(),
    plan: (name, what) =>
      'file' in what
        ? deployments.planFile(name, what.file, what.inputs ?? {}, what.cwd ?? process.cwd())
        : deployments.plan({ name, source: what.source, inputs: what.inputs ?? {}, ...(what.sourceName !== undefined ? { sourceName: what.sourceName } : {}) }),
    update: (name, what, options = {}) =>
      'file' in what
        ? deployments.updateFile(name, what.file, what.inputs ?? {}, what.cwd ?? process.cwd(), options)
        : deployments.update({ name, source: what.source, inputs: what.inputs ?? {}, ...(what.sourceName !== undefined ? { sourceName: what.sourceName } : {}) }, options),
    scale: (name, node, count, options = {}) => deployments.scale(name, node, count, options),
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
