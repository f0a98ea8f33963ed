/**
 * plugins.calls — Wasm plugin calls per second through the PluginHost pool (batched, 2 threads),
 * against a same-run baseline: empty piscina tasks per second (one task per item, the cost the
 * batching amortises). Two plugins: a native (WAT) component whose own work is near zero, which
 * measures the host, and the QuickJS-built khutulun.noop, which is what built-ins cost.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { PluginHost, watPluginComponent } from '../plugins/host/index.js';
import type { PluginCall } from '../plugins/host/index.js';
import { builtinPlugins } from '../plugins/builtin/index.js';
import { buildPlugin } from '../plugins/sdk/build.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const THREADS = 2;

async function emptyTasksPerSecond(tmpDir: string, tasks: number): Promise<number> {
  const worker = join(tmpDir, 'empty-worker.mjs');
  writeFileSync(worker, 'export default function (x) { return x; }\n');
  const pool = new Piscina({ filename: worker, minThreads: THREADS, maxThreads: THREADS });
  try {
    await Promise.all(Array.from({ length: 200 }, (_, i) => pool.run(i))); // warm-up
    const started = performance.now();
    await Promise.all(Array.from({ length: tasks }, (_, i) => pool.run(i)));
    return tasks / ((performance.now() - started) / 1000);
  } finally {
    await pool.destroy();
  }
}

async function callsPerSecond(host: PluginHost, plugin: string, fn: string, calls: number, rounds: number): Promise<number> {
  const batch: PluginCall[] = Array.from({ length: calls }, (_, i) => ({
    plugin,
    fn,
    event: { name: 'Standard.start' },
    snapshot: { id: `bench/v${i}`, classes: ['khutulun.org:core:Root'], properties: { n: i }, edges: [] },
  }));
  await host.callBatch(batch.slice(0, 2000)); // warm-up: every worker loads the plugin
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    const results = await host.callBatch(batch);
    const rate = calls / ((performance.now() - started) / 1000);
    const failed = results.filter((x) => !x.ok).length;
    if (failed > 0) throw new Error(`${failed} of ${calls} calls failed`);
    best = Math.max(best, rate);
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
      ctx.log(`empty piscina tasks: ${baseline.toFixed(0)}/s`);
      const native = await callsPerSecond(host, 'bench.native', 'run', n, 3);
      ctx.log(`native plugin: ${native.toFixed(0)} calls/s`);
      const quickjs = await callsPerSecond(host, 'khutulun.noop', 'start', Math.floor(n / 4), 2);
      ctx.log(`khutulun.noop (QuickJS): ${quickjs.toFixed(0)} calls/s`);
      const base = { name: 'piscina.empty-task', value: Math.round(baseline), unit: 'tasks/s' };
      return [
        withBaseline({ name: 'plugins.calls.native', value: Math.round(native), unit: 'calls/s', extra: { threads: THREADS, calls: n, target: 100_000 } }, base),
        withBaseline({ name: 'plugins.calls.quickjs', value: Math.round(quickjs), unit: 'calls/s', extra: { threads: THREADS, calls: Math.floor(n / 4), plugin: 'khutulun.noop:start' } }, base),
      ];
    } finally {
      await host.close();
    }
  },
};
