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
 * It is the same engine `khutulun up` runs (one host, the process runtime, Podman/Docker when
 * their socket answers). With `api`, it also serves the agent API (and sync) so the CLI reaches
 * it (`khutulun --state DIR status`); without it nothing listens.
 */
import { resolve } from 'node:path';
import { KhutulunError, silentLogger, systemClock, systemRandom } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { EventHub, startAgent } from '../agent/index.js';
import type { Agent, AgentEvent, DeploymentStatus, DeploymentSummary } from '../agent/index.js';
import { loadOrCreateIdentity } from '../agent/host-identity.js';
import { openLocalHost } from '../agent/local-host.js';
import { StoreDeploymentEngine } from '../agent/store-engine.js';

export interface EmbeddedHostOptions {
  /** Where the host keeps its documents, workload state and logs (created if missing). */
  stateDir: string;
  /** Host name (default `local`; kept in the state dir with the host id). */
  name?: string;
  logger?: Logger;
  /** Also serve the agent API on loopback (`listen` default `127.0.0.1:0`), recorded in stateDir for the CLI. */
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
  /** The agent API's URL when `api` was given. */
  readonly url: string | undefined;
  /** Deploys and waits until every node started (or one failed: then rejects with a coded error, nothing left running). */
  deploy(name: string, what: DeploySource): Promise<DeployResult>;
  status(name: string): Promise<DeploymentStatus>;
  outputs(name: string): Promise<Record<string, unknown>>;
  list(): Promise<DeploymentSummary[]>;
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
  const identity = loadOrCreateIdentity(stateDir, options.name ?? 'local', systemRandom);
  const host = await openLocalHost({ hostId: identity.id, stateDir, logger });
  const make = (events: EventHub): StoreDeploymentEngine =>
    new StoreDeploymentEngine({ store: host.store, engine: host.engine, hostId: identity.id, stateDir, events, sources: host.sources, clock: systemClock, logger });
  let engine: StoreDeploymentEngine | undefined;
  let agent: Agent | undefined;
  let events: EventHub;
  try {
    if (options.api) {
      agent = await startAgent({
        name: identity.name,
        listen: options.api.listen ?? '127.0.0.1:0',
        stateDir,
        logger,
        ...(options.api.token !== undefined ? { token: options.api.token } : { allowLoopback: true }),
        engine: (ctx) => {
          ctx.publishRuntimes(host.runtimes);
          return (engine = make(ctx.events));
        },
      });
      events = agent.events;
    } else {
      events = new EventHub();
      engine = make(events);
    }
  } catch (error) {
    await host.close().catch(() => undefined);
    throw error;
  }
  const deployments = engine!;
  let closed: Promise<void> | undefined;
  return {
    hostId: identity.id,
    name: identity.name,
    stateDir,
    url: agent?.url,
    async deploy(name, what) {
      const status =
        'file' in what
          ? await deployments.deployFile(name, what.file, what.inputs ?? {}, what.cwd ?? process.cwd())
          : await deployments.deploy({ name, source: what.source, inputs: what.inputs ?? {}, ...(what.sourceName !== undefined ? { sourceName: what.sourceName } : {}) });
      const report = await deployments.settled(name);
      if (report && !report.ok) {
        await deployments.undeploy(name).catch(() => undefined);
        throw new KhutulunError('KH-EMBED-002', `deployment ${name} failed: ${report.error?.message ?? 'a node failed'}`, {
          hint: report.failed.map((f) => `${f.vertex}: ${f.error?.message ?? f.phase}`).join('; ') || 'see the events',
          details: { failed: report.failed.map((f) => f.vertex) },
        });
      }
      return { status: { ...(await deployments.status(name)), name: status.name }, outputs: await deployments.outputs(name) };
    },
    status: (name) => deployments.status(name),
    outputs: (name) => deployments.outputs(name),
    list: () => deployments.list(),
    undeploy: (name) => deployments.undeploy(name),
    events: (listener, replay = false) => events.subscribe(listener, replay),
    close() {
      closed ??= (async () => {
        deployments.close();
        await agent?.close().catch(() => undefined);
        await host.close();
      })();
      return closed;
    },
  };
}
