/**
 * plugins.distribute — a 2 MB plugin shipped with a service to 3 hosts: four real agents on
 * loopback (the cluster engine, the store in each agent's Repo, one Wasm plugin host per agent
 * with its own transpile cache, the noop runtime); host 0 deploys a template whose three nodes
 * (one per other host) run their operations in the plugin. Measured from the deploy call until
 * the blob is on all three hosts (`arrived`) and until each registered it (verified, transpiled,
 * loaded: `registered`). Baseline, same run, same warm-up: the same bytes as one bare
 * automerge-repo document, from one repo to three others over the same WebSocket adapters, until
 * all three have it. Each transfer's bytes are checked against their hash.
 * In one process the three owners share one event loop, so their transpiles run one after another.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Repo } from '@automerge/automerge-repo';
import type { DocumentId, PeerId } from '@automerge/automerge-repo';
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { WebSocketServer } from 'ws';
import { clusterEngine, startAgent } from '../agent/index.js';
import type { Agent, ClusterEngine, OpenedHost } from '../agent/index.js';
import { sha256Hex } from '../agent/plugin-blobs.js';
import { PluginHost } from '../plugins/host/index.js';
import { builtinPlugins } from '../plugins/builtin/index.js';
import { NoopRuntime } from '../runtimes/noop/index.js';
import { paddedNoopPlugin } from './plugin-blob-fixture.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const TOKEN = 'bench-token-0123456789';
const SIZE = 2 * 1024 * 1024;
const OWNERS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Number(x.toFixed(1));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now();
}

/** One repo sends a document holding `bytes` to three others; ms until all three have it. */
async function bareTransfer(bytes: Uint8Array): Promise<number> {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const source = new Repo({ peerId: 'bare-src' as PeerId, network: [new WebSocketServerAdapter(wss as unknown as ConstructorParameters<typeof WebSocketServerAdapter>[0])] });
  const sinks = Array.from({ length: OWNERS }, (_, i) => new Repo({ peerId: `bare-${i}` as PeerId, network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 100)] }));
  try {
    await until(() => source.peers.length === OWNERS, 10_000, 'bare peers');
    const t0 = performance.now();
    const handle = source.create<{ bytes: Uint8Array }>({ bytes });
    const docs = await Promise.all(sinks.map((r) => r.find<{ bytes: Uint8Array }>(handle.url)));
    const took = performance.now() - t0;
    const hash = sha256Hex(bytes);
    if (!docs.every((d) => sha256Hex(d.doc().bytes) === hash)) throw new Error('bare transfer: bytes differ');
    return took;
  } finally {
    await Promise.all([source, ...sinks].map((r) => r.shutdown()));
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const TEMPLATE = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
node_types:
  Shipped:
    derived_from: Root
    interfaces:
      Standard:
        operations:
          create: bench.shipped:create
          start: bench.shipped:start
          stop: bench.shipped:stop
          delete: bench.shipped:delete
service_template:
  node_templates:
${Array.from({ length: OWNERS }, (_, i) => `    n${i + 1}:
      type: Shipped
      properties: { host_labels: { zone: z${i + 1} } }
      artifacts:
        plugin: { type: PluginComponent, file: plugin.wasm, properties: { name: bench.shipped } }
`).join('')}`;

interface Cluster {
  agents: Agent[];
  engines: ClusterEngine[];
  opened: OpenedHost[];
  pluginHosts: PluginHost[];
}

async function startCluster(dir: string): Promise<Cluster> {
  const c: Cluster = { agents: [], engines: [], opened: [], pluginHosts: [] };
  for (let i = 0; i <= OWNERS; i++) {
    const plugins = await PluginHost.create({ threads: 1, callTimeoutMs: 10_000, cacheDir: join(dir, `cache${i}`) });
    for (const p of builtinPlugins()) if (p.id === 'khutulun.noop') await plugins.register({ id: p.id, url: p.path });
    c.pluginHosts.push(plugins);
    const engine = clusterEngine({ stateDir: join(dir, `h${i}`), local: { plugins, runtimes: [new NoopRuntime({})] } });
    c.engines.push(engine);
    c.agents.push(
      await startAgent({
        name: `host${i}`, listen: '127.0.0.1:0', token: TOKEN, heartbeatMs: 600_000, reconnectMs: 1000, stateDir: join(dir, `a${i}`),
        labels: { zone: `z${i}` }, engine: engine.factory, peers: c.agents.map((a) => a.address),
      }),
    );
  }
  await until(() => c.agents.every((a) => a.connectedPeers().length === OWNERS), 20_000, 'a full mesh');
  c.opened = await Promise.all(c.engines.map((e) => e.opened()));
  return c;
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(c.agents.map((a) => a.close()));
  for (const e of c.engines) await e.close();
  for (const p of c.pluginHosts) await p.close();
}

/** Deploys the template with `bytes` as NAME from host 0; ms until arrived / registered on the owners. */
async function shipped(c: Cluster, dir: string, name: string, bytes: Uint8Array): Promise<{ deployed: number; arrived: number; registered: number }> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'plugin.wasm'), bytes);
  writeFileSync(join(folder, 'service.yaml'), TEMPLATE);
  const owners = c.opened.slice(1);
  const t0 = performance.now();
  await c.opened[0]!.engine.deployFile(name, join(folder, 'service.yaml'));
  // Compiled (hashed, transpiled once to check it), recorded and published: the sync starts here.
  const deployed = performance.now() - t0;
  const entry = c.opened[0]!.host.store.cluster.plugins().find((p) => p.deployments?.includes(name));
  if (!entry || entry.digest !== `sha256:${sha256Hex(bytes)}`) throw new Error(`registry entry of ${name} missing or wrong`);
  const docId = entry.url.replace(/^automerge:/, '') as DocumentId;
  const arrived = await until(() => c.agents.slice(1).every((a) => a.repo.handles[docId]?.isReady() === true), 60_000, `${name} blob on every owner`);
  const registered = await until(() => owners.every((o) => o.shipped.local().some((p) => p.id === entry.id)), 60_000, `${name} registered on every owner`);
  return { deployed, arrived: arrived - t0, registered: registered - t0 };
}

export const pluginsDistribute: Benchmark = {
  name: 'plugins.distribute',
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 3;
    // Warm-up on both sides with a plugin of the same size (not counted).
    await bareTransfer(paddedNoopPlugin(SIZE));
    const bare: number[] = [];
    for (let r = 0; r < rounds; r++) bare.push(await bareTransfer(paddedNoopPlugin(SIZE)));
    const c = await startCluster(ctx.tmpDir);
    try {
      await shipped(c, ctx.tmpDir, 'warmup', paddedNoopPlugin(SIZE));
      const arrived: number[] = [];
      const registered: number[] = [];
      const deployed: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t = await shipped(c, ctx.tmpDir, `ship${r}`, paddedNoopPlugin(SIZE));
        arrived.push(t.arrived);
        registered.push(t.registered);
        deployed.push(t.deployed);
        ctx.log(`round ${r}: deploy call ${t.deployed.toFixed(0)} ms, arrived ${t.arrived.toFixed(0)} ms, registered ${t.registered.toFixed(0)} ms`);
      }
      const extra = { bytes: SIZE, hosts: OWNERS, rounds, deployCallMs: round(median(deployed)), load: loadavg()[0]!.toFixed(2) };
      const baseline = { name: 'bare-automerge-repo-doc', value: round(median(bare)), unit: 'ms' };
      const out: BenchResult[] = [
        withBaseline({ name: 'plugins.distribute.arrived', value: round(median(arrived)), unit: 'ms', extra }, baseline),
        withBaseline({ name: 'plugins.distribute.registered', value: round(median(registered)), unit: 'ms', extra }, baseline),
      ];
      return out;
    } finally {
      await stopCluster(c);
    }
  },
};
