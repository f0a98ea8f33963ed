/**
 * pipeline.noop: 10,000 node instances across 10 deployments through the whole pipeline —
 * status write -> actor event -> Wasm plugin call in the piscina pool (khutulun.noop, batched per
 * tick) -> noop runtime intent -> status write. Instances/s (create, configure and start per node).
 * Baseline, same run: the same pipeline with in-process JS plugins (FakePluginHost), which shows
 * what the Wasm pool costs. Store: the actor layer's in-memory port for the 10k run; a second
 * result runs the same pipeline on the real Automerge store (FloriaActorStore, in memory) at a
 * smaller size, because every status write there is an Automerge change.
 */
import { existsSync } from 'node:fs';
import { FloriaActorStore, HostEngine, MemoryActorStore } from '../actors/index.js';
import { openStore } from '../store/index.js';
import { builtinPlugins } from '../plugins/builtin/index.js';
import type { FakePluginHost, PluginHostLike } from '../plugins/host/index.js';
import { NoopRuntime } from '../runtimes/noop/index.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';
import { benchGraph } from './pipeline-graph.js';

async function automergeStore(names: string[], perDeployment: number): Promise<{ port: FloriaActorStore; close: () => Promise<void> }> {
  const store = await openStore({ hostId: 'bench' });
  for (const name of names) {
    const dep = await store.createDeployment(name);
    const graph = benchGraph(name, perDeployment, 4);
    for (const v of graph.vertexes) void dep.create('vertex', { id: v.id, owner: 'bench', handlers: Object.fromEntries(Object.entries(v.handlers).map(([e, fns]) => [e, fns.map((fn) => ({ fn }))])) });
    for (const e of graph.edges) void dep.create('edge', { id: `e/${e.id}`, source: e.source, target: e.target });
    await dep.flush();
  }
  return { port: new FloriaActorStore(store, { durable: false }), close: () => store.close() };
}

async function deployAll(plugins: PluginHostLike, deployments: number, perDeployment: number, real = false): Promise<{ seconds: number; started: number; cpuSeconds: number }> {
  const names = Array.from({ length: deployments }, (_, i) => `d${i}`);
  let store: MemoryActorStore | FloriaActorStore;
  let closeStore = async (): Promise<void> => {};
  if (real) {
    const opened = await automergeStore(names, perDeployment);
    store = opened.port;
    closeStore = opened.close;
  } else {
    const memory = new MemoryActorStore();
    for (const name of names) memory.put(name, benchGraph(name, perDeployment, 4));
    store = memory;
  }
  const noop = new NoopRuntime();
  const engine = new HostEngine({ hostId: 'bench', store, plugins, runtimes: [noop] });
  await engine.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const reports = await Promise.all(names.map((n) => engine.deploy(n)));
  const seconds = (performance.now() - t0) / 1000;
  // CPU of the whole process (main thread + plugin workers): holds still on a loaded box.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const failed = reports.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`deploy failed: ${failed[0]!.error?.message}`);
  const started = (await noop.list()).length;
  await engine.close();
  await noop.close();
  await closeStore();
  return { seconds, started, cpuSeconds };
}

async function fakeNoop(): Promise<FakePluginHost> {
  // Loaded lazily: the plugin host pulls in jco (~120 MB), which other benchmarks should not pay.
  const { FakePluginHost } = await import('../plugins/host/index.js');
  const host = new FakePluginHost();
  host.define('khutulun.noop', {
    create: () => [],
    configure: () => [],
    start: (_e, v) => [{ type: 'intent', intent: { action: 'ensure', runtime: 'noop', workload: v.id, spec: { kind: 'noop' } } }],
    stop: (_e, v) => [{ type: 'intent', intent: { action: 'remove', runtime: 'noop', workload: v.id } }],
    delete: (_e, v) => [{ type: 'intent', intent: { action: 'remove', runtime: 'noop', workload: v.id } }],
  });
  return host;
}

export const pipelineNoop: Benchmark = {
  name: 'pipeline.noop',
  async run(ctx): Promise<BenchResult[]> {
    const deployments = 10;
    const perDeployment = ctx.quick ? 200 : 1000;
    const total = deployments * perDeployment;
    const wasm = builtinPlugins().find((p) => p.id === 'khutulun.noop')!;
    if (!existsSync(wasm.path)) throw new Error(`${wasm.path} is missing: run npm run build first`);

    const base = await deployAll(await fakeNoop(), deployments, perDeployment);
    ctx.log(`in-process plugins: ${total} instances in ${base.seconds.toFixed(2)} s`);

    const { PluginHost } = await import('../plugins/host/index.js');
    const host = await PluginHost.create({ threads: 2 });
    try {
      await host.register({ id: 'khutulun.noop', url: wasm.path });
      await deployAll(host, 1, 200); // warm the workers (load + JIT) outside the measurement
      const run = await deployAll(host, deployments, perDeployment);
      ctx.log(`wasm plugins: ${run.started} started in ${run.seconds.toFixed(2)} s`);
      if (run.started !== total) throw new Error(`expected ${total} running workloads, got ${run.started}`);
      const realPer = ctx.quick ? 100 : 500;
      const real = await deployAll(host, 2, realPer, true);
      ctx.log(`wasm plugins + Automerge store: ${real.started} started in ${real.seconds.toFixed(2)} s`);
      return [
        withBaseline(
          { name: 'pipeline.noop.instances_per_cpu_s', value: Math.round(total / run.cpuSeconds), unit: 'instances/cpu-s', extra: { note: 'CPU of main thread + plugin workers' } },
          { name: 'pipeline.noop.in_process_plugins_per_cpu_s', value: Math.round(total / base.cpuSeconds), unit: 'instances/cpu-s' },
        ),
        withBaseline(
          { name: 'pipeline.noop.automerge_store_instances_per_s', value: Math.round((2 * realPer) / real.seconds), unit: 'instances/s', extra: { instances: 2 * realPer, deployments: 2, seconds: Number(real.seconds.toFixed(3)) } },
          { name: 'pipeline.noop.instances_per_s', value: Math.round(total / run.seconds), unit: 'instances/s' },
        ),
        withBaseline(
          { name: 'pipeline.noop.instances_per_s', value: Math.round(total / run.seconds), unit: 'instances/s', extra: { instances: total, deployments, pluginCalls: total * 3, seconds: Number(run.seconds.toFixed(3)), cpuSeconds: Number(run.cpuSeconds.toFixed(3)), target: '>= 5000/s' } },
          { name: 'pipeline.noop.in_process_plugins', value: Math.round(total / base.seconds), unit: 'instances/s' },
        ),
      ];
    } finally {
      await host.close();
    }
  },
};
