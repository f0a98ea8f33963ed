/**
 * The production engine of `khutulun agent`, as an AgentOptions.engine factory: TOSCA compiled,
 * placed over the cluster's hosts and run by every host's actors, on the store that lives in the
 * agent's Repo (so deployments sync to the hosts with a role). The agent learns its host id only
 * once started, so the local host opens then and every engine call waits for it.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentOptions } from './agent-options.js';
import { ClusterReconciler } from './cluster-reconciler.js';
import { openLocalHost } from './local-host.js';
import type { LocalHost, LocalHostOptions } from './local-host.js';
import { StoreDeploymentEngine } from './store-engine.js';
import { OwnershipKeeper } from './ownership-keeper.js';
import { runtimeCapabilities } from './placement.js';
import { disconnectPolicy } from '../scheduler/index.js';
import { createFunctionRegistry } from '../store/index.js';
import { pluginFunctionResolver } from './plugin-functions.js';
import type { DisconnectPolicy } from '../scheduler/index.js';
import { ShippedPluginHost } from './shipped-plugin-host.js';
import { PluginShipping } from './plugin-shipping.js';
import { pluginsView, setPluginGrants } from './plugin-policy.js';

export interface ClusterEngineOptions {
  readonly stateDir?: string;
  /** Passed to openLocalHost (tests: a fake plugin host, the noop runtime only). */
  readonly local?: Pick<LocalHostOptions, 'plugins' | 'runtimes' | 'runtimeRetryMs'>;
  readonly undeployTimeoutMs?: number;
  /** How long `undeploy --force` waits for the owners before it removes the record (default 10 s). */
  readonly forceTimeoutMs?: number;
  /** The disconnect policy (Nomad's vocabulary; docs/cluster.md). Default: never replace. */
  readonly policy?: Partial<DisconnectPolicy>;
  /** How often the ownership protocol runs (default 1000 ms). */
  readonly ownershipTickMs?: number;
  /** How long undeployed deployments' history is kept (default 30 days). */
  readonly historyRetentionMs?: number;
}

/** What one host runs once its agent started: the local host, the engine, the reconcile loop. */
export interface OpenedHost {
  readonly host: LocalHost;
  readonly engine: StoreDeploymentEngine;
  readonly reconciler: ClusterReconciler;
  readonly keeper: OwnershipKeeper;
  /** Plugins shipped with services, as this host runs them. */
  readonly shipped: ShippedPluginHost;
}

export interface ClusterEngine {
  readonly factory: NonNullable<AgentOptions['engine']>;
  /** Resolves once the agent called the factory and the host opened (`up` and embedders use it). */
  opened(): Promise<OpenedHost>;
  close(): Promise<void>;
}

/**
 * The one engine of Khutulun: a multi-host agent and `khutulun up` (a cluster of one) both run it.
 */
export function clusterEngine(options: ClusterEngineOptions = {}): ClusterEngine {
  let opened: Promise<OpenedHost> | undefined;
  let announce: (o: Promise<OpenedHost>) => void = () => undefined;
  const whenOpened = new Promise<OpenedHost>((resolve, reject) => {
    announce = (o) => o.then(resolve, reject);
  });
  whenOpened.catch(() => undefined);
  // Checked before any host opens: a bad policy is a usage error, not a half-started agent.
  const policy = disconnectPolicy(options.policy ?? {});
  let closing: Promise<void> | undefined;
  const shutDown = (): Promise<void> =>
    (closing ??= (async () => {
      const o = await opened?.catch(() => undefined);
      if (!o) return;
      o.reconciler.close();
      o.shipped.unwatch();
      await o.keeper.close();
      o.engine.close();
      await o.engine.idle();
      await o.host.close();
    })());
  const factory: NonNullable<AgentOptions['engine']> = (ctx) => {
    let shipped: ShippedPluginHost | undefined;
    opened = openLocalHost({
      hostId: ctx.hostId,
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      logger: ctx.logger,
      ...options.local,
      wrapPlugins: (plugins, store) => (shipped = new ShippedPluginHost(plugins, { repo: ctx.repo, store, doc: ctx.cluster, logger: ctx.logger })),
      repo: ctx.repo,
      clusterName: ctx.clusterName,
      // Workloads are reached on the address the agent advertises to its peers.
      endpointAddress: () => (ctx.advertise() ?? '127.0.0.1:0').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'),
      resume: (name) => ClusterReconciler.roles(ctx.cluster.doc(), ctx.hostId).has(name),
      // An engine that starts after the agent: advertise it, so placement sends containers here.
      onRuntimeAvailable: () => {
        if (opened) void opened.then((o) => ctx.publishCapabilities(runtimeCapabilities(o.host.runtimes)), () => undefined);
      },
    }).then((host) => {
      // Placement sends a node only to hosts that can run it (a Container needs runtime:podman).
      ctx.publishCapabilities(runtimeCapabilities(host.runtimes));
      ctx.publishRuntimes(host.runtimes);
      const late: { reconciler?: ClusterReconciler } = {};
      const keeper = new OwnershipKeeper({
        store: host.store,
        engine: host.engine,
        hostId: ctx.hostId,
        cluster: ctx.cluster,
        hosts: ctx.hosts,
        policy,
        clock: ctx.clock,
        logger: ctx.logger,
        tickMs: options.ownershipTickMs ?? 1000,
        changed: (name) => late.reconciler?.poke(name),
      });
      const reconciler = new ClusterReconciler({
        store: host.store,
        engine: host.engine,
        hostId: ctx.hostId,
        cluster: ctx.cluster,
        logger: ctx.logger,
        allowed: (name, vertex) => keeper.allowed(name, vertex),
      });
      late.reconciler = reconciler;
      keeper.start();
      const engine = new StoreDeploymentEngine({
        store: host.store,
        engine: host.engine,
        hostId: ctx.hostId,
        sources: host.sources,
        ...(options.stateDir ? { stateDir: options.stateDir } : {}),
        events: ctx.events,
        clock: ctx.clock,
        logger: ctx.logger,
        functions: () => createFunctionRegistry().addResolver(pluginFunctionResolver(host.plugins)),
        shipping: new PluginShipping({ repo: ctx.repo, store: host.store, doc: ctx.cluster, cacheDir: join(options.stateDir ?? join(tmpdir(), `khutulun-${ctx.hostId}`), 'plugin-cache') }),
        reconciler,
        hosts: ctx.hosts,
        doc: ctx.cluster,
        ...(options.undeployTimeoutMs !== undefined ? { undeployTimeoutMs: options.undeployTimeoutMs } : {}),
        ...(options.forceTimeoutMs !== undefined ? { forceTimeoutMs: options.forceTimeoutMs } : {}),
        ...(options.historyRetentionMs !== undefined ? { historyRetentionMs: options.historyRetentionMs } : {}),
      });
      // Blobs that no deployment uses any more leave this host (after an undeploy or an update).
      shipped!.watch();
      return { host, engine, reconciler, keeper, shipped: shipped! };
    });
    opened.catch((e: unknown) => ctx.logger.log('error', 'cannot open the local host', { error: String(e) }));
    announce(opened);
    const later = async (): Promise<StoreDeploymentEngine> => (await opened!).engine;
    return {
      deploy: async (r) => (await later()).deploy(r),
      plan: async (r) => (await later()).plan(r),
      update: async (r, o) => (await later()).update(r, o),
      scale: async (n, node, count, o) => (await later()).scale(n, node, count, o),
      status: async (n) => (await later()).status(n),
      outputs: async (n) => (await later()).outputs(n),
      graph: async (n) => (await later()).graph(n),
      history: async (n, q) => (await later()).history(n, q),
      undeploy: async (n, o) => (await later()).undeploy(n, o),
      list: async () => (await later()).list(),
      run: async (n, spec) => (await later()).run(n, spec),
      plugins: async () => {
        const o = await opened!;
        return pluginsView(ctx.hostId, o.host.store, o.shipped, ctx.cluster);
      },
      allowPlugin: async (name, grants) => setPluginGrants(ctx.cluster, name, grants),
      idle: async () => {
        const o = await opened?.catch(() => undefined);
        await o?.engine.idle();
        await o?.reconciler.idle();
        await closing;
      },
      // The agent calls close() then idle() while its repo still runs: everything that writes to
      // the documents (the keeper's last tick, actors, the store's final flush) ends before the
      // repo shuts down. Workloads keep running (the runtimes detach).
      close: () => void shutDown(),
    };
  };
  return { factory, opened: () => whenOpened, close: shutDown };
}
