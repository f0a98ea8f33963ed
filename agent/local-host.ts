/**
 * The pieces one host runs, put together: the Floria store on disk, the Wasm plugin host with the
 * built-in plugins, the runtime adapters this host can use (process and noop always; podman and
 * docker once their socket answers, even if that is after the host opened), and the actors'
 * HostEngine. No daemon is needed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '@automerge/automerge-repo';
import type { Clock, Logger } from '../common/index.js';
import { silentLogger, systemClock } from '../common/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { HostEngine, FloriaActorStore } from '../actors/index.js';
import { PluginHost, builtinPlugins } from '../plugins/index.js';
import type { PluginHostLike } from '../plugins/index.js';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.js';
import { DistroboxRuntimeAdapter, FirewallGuard, FirewalldClient, JsonFilePortStore, LibvirtRuntimeAdapter, NetworkAttachRuntime, NspawnRuntimeAdapter, OvnNetworkAdapter, PortManager, ProcessRuntimeAdapter, createDockerAdapter, createPodmanAdapter, ScriptRuntime, SCRIPT_RUNTIME } from '../runtimes/index.js';
import type { PortSpec, WorkloadSpec } from '../runtimes/workload.js';
import { PortBindingRuntime } from './port-binding.js';
import { promptSync } from './prompt-sync.js';
import { pluginFunctionResolver } from './plugin-functions.js';
import { connectionEnvFromStore } from './connection-env.js';
import { DeferredRuntime } from './deferred-runtime.js';
import { NoopRuntime } from '../runtimes/noop/index.js';
import { KhutulunError } from '../common/index.js';
import { LazyPluginHost } from './lazy-plugin-host.js';
import { seedBuiltinCache } from './builtin-cache.js';

export interface LocalHostOptions {
  readonly hostId: string;
  /** Where everything persists; absent = in memory (tests). */
  readonly stateDir?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Replace the plugin host (tests use a fake). */
  readonly plugins?: PluginHostLike;
  /** Replace the runtime adapters (default: process, noop, and podman/docker when reachable). */
  readonly runtimes?: readonly RuntimeAdapter[];
  /**
   * Cluster mode: the agent's Repo (its storage, peers and share policy) and cluster name; the
   * store then lives in that repo, on the cluster document every host shares.
   */
  readonly repo?: Repo;
  readonly clusterName?: string;
  /** The address other hosts reach this host's workloads on (endpoint attributes). Default 127.0.0.1. */
  readonly endpointAddress?: string | (() => string);
  /** Which deployments the actors resume at start (default: all); cluster mode: those with a role here. */
  readonly resume?: (deployment: string) => boolean;
  /** Called when a container engine that was down at start answers (capabilities changed). */
  readonly onRuntimeAvailable?: (runtime: string) => void;
  /** How often an engine that is down is probed again (default 5 s). */
  readonly runtimeRetryMs?: number;
  /** Puts a host in front of the plugin host (cluster mode: plugins shipped with services). */
  readonly wrapPlugins?: (plugins: PluginHostLike, store: Store) => PluginHostLike;
}

export interface LocalHost {
  readonly store: Store;
  readonly engine: HostEngine;
  readonly plugins: PluginHostLike;
  readonly runtimes: readonly RuntimeAdapter[];
  /** Deployment name -> the folder its source came from (relative artifact paths resolve there). */
  readonly sources: Map<string, string>;
  close(): Promise<void>;
}

async function reachable(adapter: RuntimeAdapter): Promise<boolean> {
  try {
    await Promise.race([adapter.ready(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
    return true;
  } catch {
    return false;
  }
}

interface RuntimeSetup {
  readonly stateDir: string;
  readonly hostId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onBound: (w: string, p: readonly PortSpec[]) => Promise<void>;
  readonly prepare: (w: string, s: WorkloadSpec) => Promise<WorkloadSpec>;
  readonly sourceDir: (w: string) => string | undefined;
  readonly onAvailable: (runtime: string) => void;
  readonly retryMs: number | undefined;
}

/**
 * Container engines are optional: used once their API answers, so `up` never needs a daemon.
 * Process and container workloads get their ports reserved and reported (port-binding.ts).
 */
async function defaultRuntimes(o: RuntimeSetup): Promise<RuntimeAdapter[]> {
  const { clock, hostId } = o;
  const ports = new PortManager({ host: hostId, store: new JsonFilePortStore(join(o.stateDir, 'ports.json')), clock });
  let guard: Promise<FirewallGuard> | undefined;
  const firewall = (): Promise<FirewallGuard> => (guard ??= Promise.resolve(new FirewallGuard(new FirewalldClient({ clock }))));
  const bind = (r: RuntimeAdapter): RuntimeAdapter => new PortBindingRuntime(r, { ports, firewall, onBound: o.onBound, prepare: o.prepare, sourceDir: o.sourceDir });
  const runtimes: RuntimeAdapter[] = [
    bind(new ProcessRuntimeAdapter({ stateDir: join(o.stateDir, 'process'), clock, logger: o.logger })),
    new NoopRuntime({ journal: join(o.stateDir, 'noop.jsonl'), fsync: false, clock }),
    // One-shot runs of script operations (after process: `logs` asks the runtimes in this order).
    new ScriptRuntime({ stateDir: join(o.stateDir, 'script'), clock }),
  ];
  // Every optional engine is probed at once (each probe may wait up to 2 s for an answer).
  // OVN networks where OVS + OVN answer (runtime:ovn; KH_OVN_NB_DB, KH_OVS_DB); containers and
  // system containers get their ports on them (AttachesTo), or a coded error where OVN is absent.
  const ovn = new OvnNetworkAdapter({ clock });
  let ovnUp = false;
  const attach = (r: RuntimeAdapter): RuntimeAdapter => new NetworkAttachRuntime(r, () => (ovnUp ? ovn : undefined));
  const nspawn = new NspawnRuntimeAdapter({ stateDir: join(o.stateDir, 'nspawn'), clock, logger: o.logger });
  // Pristine containers where distrobox is installed (runtime:distrobox; boxes of KH_DISTROBOX_USERS re-attach).
  const distrobox = new DistroboxRuntimeAdapter({ logger: o.logger });
  const libvirt = new LibvirtRuntimeAdapter({ stateDir: join(o.stateDir, 'libvirt'), clock, hostId });
  const engines = [createPodmanAdapter, createDockerAdapter].map(async (make) => {
    const open = async (): Promise<RuntimeAdapter | undefined> => {
      const adapter = make({ clock, hostId });
      if (await reachable(adapter)) return attach(bind(adapter));
      await adapter.close().catch(() => undefined);
      return undefined;
    };
    const { name, config } = make({ clock, hostId });
    const adapter = await open();
    if (adapter) return adapter;
    o.logger.log('debug', `${name} does not answer on ${config.socketPath}; containers start here once it does`);
    return new DeferredRuntime({
      name,
      socket: config.socketPath,
      open,
      clock,
      ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : {}),
      onAvailable: () => {
        o.logger.log('info', `${name} answers on ${config.socketPath}: containers can run on this host now`);
        o.onAvailable(name);
      },
    });
  });
  const [up, nspawnUp, distroboxUp, libvirtUp, ...containers] = await Promise.all([reachable(ovn), reachable(nspawn), reachable(distrobox), reachable(libvirt), ...engines]);
  ovnUp = up;
  if (ovnUp) runtimes.push(ovn);
  // System containers where systemd-nspawn is installed (runtime:nspawn); none elsewhere.
  if (nspawnUp) runtimes.push(attach(bind(nspawn)));
  else await nspawn.close();
  if (distroboxUp) runtimes.push(distrobox);
  // VMs where libvirt answers (KH_LIBVIRT_URI, default qemu:///system) and its binding is built.
  if (libvirtUp) runtimes.push(libvirt);
  else await libvirt.close();
  runtimes.push(...(containers as RuntimeAdapter[]));
  return runtimes;
}

/** Every host runs script operations: given runtimes get the script runtime unless they bring one. */
function withScriptRuntime(runtimes: RuntimeAdapter[], stateDir: string): RuntimeAdapter[] {
  return runtimes.some((r) => r.name === SCRIPT_RUNTIME) ? runtimes : [...runtimes, new ScriptRuntime({ stateDir: join(stateDir, 'script') })];
}

/** Writes a workload's bound endpoint into its vertex (`capability:endpoint:*` attributes). */
function endpointWriter(store: Store, addressOf: () => string): (workload: string, ports: readonly PortSpec[]) => Promise<void> {
  return async (workload, ports) => {
    const slash = workload.indexOf('/');
    if (slash <= 0 || ports.length === 0) return;
    const deployment = await store.openDeployment(workload.slice(0, slash));
    const vertex = deployment.get('vertex', workload.slice(slash + 1));
    if (!vertex) return;
    const wanted = vertex.properties['capability:endpoint:port_name']?.value;
    const port = ports.find((p) => p.name === wanted) ?? ports[0]!;
    const address = addressOf();
    await Promise.all([
      deployment.setProperty(vertex.id, 'capability:endpoint:address', address),
      deployment.setProperty(vertex.id, 'capability:endpoint:port', BigInt(port.hostPort ?? 0)),
      deployment.setProperty(vertex.id, 'capability:endpoint:url', `${port.protocol === 'udp' ? 'udp' : 'http'}://${address}:${port.hostPort}/`),
    ]);
  };
}

export async function openLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const stateDir = options.stateDir;
  if (stateDir) mkdirSync(stateDir, { recursive: true });
  const scratch = stateDir ?? join(process.env['TMPDIR'] ?? '/tmp', `khutulun-${options.hostId}`);
  const store = await openStore({
    hostId: options.hostId,
    clock,
    logger,
    ...(options.repo
      ? { repo: options.repo, onLocalChange: promptSync(options.repo), ...(options.clusterName !== undefined ? { clusterName: options.clusterName } : {}) }
      : stateDir
        ? { dir: join(stateDir, 'store') }
        : {}),
  });
  let plugins = options.plugins;
  let ownPlugins: LazyPluginHost | undefined;
  try {
    if (!plugins) {
      // Workers and Wasm modules on first use: the files are checked now, loaded by their first call.
      const cacheDir = stateDir ? join(stateDir, 'plugin-cache') : undefined;
      ownPlugins = new LazyPluginHost(
        () => PluginHost.create(cacheDir ? { cacheDir } : {}),
        (id) => {
          if (cacheDir) seedBuiltinCache(id, cacheDir);
        },
      );
      for (const p of builtinPlugins()) {
        if (!existsSync(p.path)) {
          throw new KhutulunError('KH-AGENT-PLUGINS-MISSING', `built-in plugin ${p.id} is not built (${p.path} missing)`, {
            hint: 'run `npm run build` (npm install runs it) in the Khutulun folder',
          });
        }
        ownPlugins.declare({ id: p.id, url: p.path });
      }
      plugins = ownPlugins;
    }
    if (options.wrapPlugins) plugins = options.wrapPlugins(plugins, store);
    store.functions.addResolver(pluginFunctionResolver(plugins));
    const sources = new Map<string, string>();
    const sourceDir = (workload: string): string | undefined => sources.get(workload.slice(0, Math.max(0, workload.indexOf('/'))));
    const runtimes = options.runtimes
      ? withScriptRuntime([...options.runtimes], scratch)
      : await defaultRuntimes({
          stateDir: scratch,
          hostId: options.hostId,
          clock,
          logger,
          onBound: endpointWriter(store, typeof options.endpointAddress === 'function' ? options.endpointAddress : () => (options.endpointAddress as string | undefined) ?? '127.0.0.1'),
          prepare: connectionEnvFromStore(store),
          sourceDir,
          onAvailable: (name) => options.onRuntimeAvailable?.(name),
          retryMs: options.runtimeRetryMs,
        });
    const engine = new HostEngine({ hostId: options.hostId, store: new FloriaActorStore(store, options.resume ? { resume: options.resume } : {}), plugins, runtimes, clock, logger });
    await engine.start();
    return {
      store,
      engine,
      plugins,
      runtimes,
      sources,
      async close() {
        await engine.close();
        for (const r of runtimes) await r.close().catch(() => undefined);
        await ownPlugins?.close();
        await store.close();
      },
    };
  } catch (error) {
    await ownPlugins?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}
