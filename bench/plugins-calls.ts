/**
 * plugins.calls — Wasm plugin calls per second through the PluginHost pool (batched, 2 threads),
 * against a same-run baseline: empty piscina tasks per second (one task per item, the cost the
 * batching amortises). Two plugins: a native (WAT) component whose own work is near zero, which
 * measures the host, and the QuickJS-built khutulun.noop, which is what built-ins cost.
 * On a shared, loaded box wall-clock rates swing several-fold; each rate is also reported per
 * CPU-second of this process (all threads), which holds still under contention.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { PluginHost, watPluginComponent } from '../plugins/host/index.js';
import type { PluginCall } from '../plugins/host/index.js';
import { builtinPlugins } from '../plugins/builtin/index.js';
import { buildPlugin } from '../plugins/sdk/build.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const THREADS = 2;

interface Rate {
  /** Items per wall-clock second. */
  wall: number;
  /** Items per CPU-second of the whole process (main thread + workers). */
  cpu: number;
}

async function measure(items: number, run: () => Promise<unknown>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await run();
  const wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall: items / wallS, cpu: items / ((cpu.user + cpu.system) / 1e6) };
}

async function emptyTasksPerSecond(tmpDir: string, tasks: number): Promise<Rate> {
  const worker = join(tmpDir, 'empty-worker.mjs');
  writeFileSync(worker, 'export default function (x) { return x; }\n');
  const pool = new Piscina({ filename: worker, minThreads: THREADS, maxThreads: THREADS });
  try {
    await Promise.all(Array.from({ length: 200 }, (_, i) => pool.run(i))); // warm-up
    return await measure(tasks, () => Promise.all(Array.from({ length: tasks }, (_, i) => pool.run(i))));
  } finally {
    await pool.destroy();
  }
}

async function callsPerSecond(host: PluginHost, plugin: string, fn: string, calls: number, rounds: number): Promise<Rate> {
  const batch: PluginCall[] = Array.from({ length: calls }, (_, i) => ({
    plugin,
    fn,
    event: { name: 'Standard.start' },
    snapshot: { id: `bench/v${i}`, classes: ['khutulun.org:core:Root'], properties: { n: i }, edges: [] },
  }));
  await host.callBatch(batch.slice(0, 2000)); // warm-up: every worker loads the plugin
  let best: Rate = { wall: 0, cpu: 0 };
  for (let r = 0; r < rounds; r++) {
    let failed = 0;
    const rate = await measure(calls, async () => {
      failed = (await host.callBatch(batch)).filter((x) => !x.ok).length;
    });
    if (failed > 0) throw new Error(`${failed} of ${calls} calls failed`);
    if (rate.wall > best.wall) best = rate;
  }
  return best;
}

export const pluginsCalls: Benchmark = {
  name: 'plugins.calls',
  async run(ctx): Promise<BenchResult[]> {
    const n = ctx.quick ? 20_000 : 100_000;
    const host = await PluginHost.create({ threads: THREADS, cacheDir: join(ctx.tmpDir, 'cache'), callTimeoutMs: 5000 });
    try {
      await host.register({ id: 'bench.native', bytes: await watPluginComponent({ response: '{"effects":[]}' }) });
      const noop = builtinPlugins().find((p) => p.id === 'khutulun.noop')!;
      if (!existsSync(noop.path)) await buildPlugin({ source: join('plugins/builtin', noop.source), out: noop.path });
      await host.register({ id: noop.id, url: noop.path });

      const baseline = await emptyTasksPerSecond(ctx.tmpDir, ctx.quick ? 5_000 : 20_000);
      const native = await callsPerSecond(host, 'bench.native', 'run', n, 3);
      const quickjs = await callsPerSecond(host, 'khutulun.noop', 'start', Math.floor(n / 4), 2);
      const load = Number(loadavg()[0]!.toFixed(1));
      ctx.log(`empty piscina tasks ${baseline.wall.toFixed(0)}/s; native ${native.wall.toFixed(0)} calls/s; QuickJS ${quickjs.wall.toFixed(0)} calls/s (load ${load})`);
      const base = { name: 'piscina.empty-task', value: Math.round(baseline.wall), unit: 'tasks/s' };
      const baseCpu = { name: 'piscina.empty-task.per-cpu-s', value: Math.round(baseline.cpu), unit: 'tasks/cpu-s' };
      const extra = { threads: THREADS, loadavg1: load };
      return [
        withBaseline({ name: 'plugins.calls.native', value: Math.round(native.wall), unit: 'calls/s', extra: { ...extra, calls: n, target: 100_000 } }, base),
        withBaseline({ name: 'plugins.calls.native.per-cpu-s', value: Math.round(native.cpu), unit: 'calls/cpu-s', extra }, baseCpu),
        withBaseline({ name: 'plugins.calls.quickjs', value: Math.round(quickjs.wall), unit: 'calls/s', extra: { ...extra, calls: Math.floor(n / 4), plugin: 'khutulun.noop:start' } }, base),
        withBaseline({ name: 'plugins.calls.quickjs.per-cpu-s', value: Math.round(quickjs.cpu), unit: 'calls/cpu-s', extra }, baseCpu),
      ];
    } finally {
      await host.close();
    }
  },
};
