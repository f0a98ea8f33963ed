/**
 * The production engine of `khutulun agent`, as an AgentOptions.engine factory: TOSCA compiled,
 * placed over the cluster's hosts and run by every host's actors, on the store that lives in the
 * agent's Repo (so deployments sync to the hosts with a role). The agent learns its host id only
 * once started, so the local host opens then and every engine call waits for it.
 */
import type { AgentOptions } from './agent-options.js';
import { ClusterReconciler } from './cluster-reconciler.js';
import { openLocalHost } from './local-host.js';
import type { LocalHost, LocalHostOptions } from './local-host.js';
import { StoreDeploymentEngine } from './store-engine.js';

export interface ClusterEngineOptions {
  readonly stateDir?: string;
  /** Passed to openLocalHost (tests: a fake plugin host, the noop runtime only). */
  readonly local?: Pick<LocalHostOptions, 'plugins' | 'runtimes'>;
  readonly undeployTimeoutMs?: number;
}

export function clusterEngine(options: ClusterEngineOptions = {}): { factory: NonNullable<AgentOptions['engine']>; close(): Promise<void> } {
  let opened: Promise<{ host: LocalHost; engine: StoreDeploymentEngine; reconciler: ClusterReconciler }> | undefined;
  const factory: NonNullable<AgentOptions['engine']> = (ctx) => {
    opened = openLocalHost({
      hostId: ctx.hostId,
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      logger: ctx.logger,
      ...options.local,
      repo: ctx.repo,
      clusterName: ctx.clusterName,
      // Workloads are reached on the address the agent advertises to its peers.
      endpointAddress: () => (ctx.advertise() ?? '127.0.0.1:0').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'),
      resume: (name) => ClusterReconciler.roles(ctx.cluster.doc(), ctx.hostId).has(name),
    }).then((host) => {
      const reconciler = new ClusterReconciler({ store: host.store, engine: host.engine, hostId: ctx.hostId, cluster: ctx.cluster, logger: ctx.logger });
      const engine = new StoreDeploymentEngine({
        store: host.store,
        engine: host.engine,
        hostId: ctx.hostId,
        sources: host.sources,
        ...(options.stateDir ? { stateDir: options.stateDir } : {}),
        events: ctx.events,
        clock: ctx.clock,
        logger: ctx.logger,
        cluster: {
          reconciler,
          hosts: ctx.hosts,
          doc: ctx.cluster,
          ...(options.undeployTimeoutMs !== undefined ? { undeployTimeoutMs: options.undeployTimeoutMs } : {}),
        },
      });
      return { host, engine, reconciler };
    });
    opened.catch((e: unknown) => ctx.logger.log('error', 'cannot open the local host', { error: String(e) }));
    const later = async (): Promise<StoreDeploymentEngine> => (await opened!).engine;
    return {
      deploy: async (r) => (await later()).deploy(r),
      status: async (n) => (await later()).status(n),
      outputs: async (n) => (await later()).outputs(n),
      undeploy: async (n) => (await later()).undeploy(n),
      list: async () => (await later()).list(),
      idle: async () => {
        const o = await opened?.catch(() => undefined);
        await o?.engine.idle();
        await o?.reconciler.idle();
      },
      close: () => void opened?.then((o) => o.reconciler.close(), () => undefined),
    };
  };
  return {
    factory,
    async close() {
      const o = await opened?.catch(() => undefined);
      o?.reconciler.close();
      o?.engine.close();
      await o?.host.close();
    },
  };
}

