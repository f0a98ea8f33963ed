/**
 * plugins.cold — what a new plugin costs the first time a host calls it: transpile (jco, once per
 * content hash, into an empty cache) + load into a worker + the first call; against a warm call of
 * the same plugin (median of single calls, same host, same function). The plugin is a real
 * SDK-built one (the built-in noop, QuickJS inside) with a unique custom section, so every round is
 * a plugin the cache has never seen. Each call's answer is checked.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PluginHost } from '../plugins/host/index.js';
import type { PluginCall } from '../plugins/host/index.js';
import { paddedNoopPlugin } from './plugin-blob-fixture.js';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';

const call = (plugin: string, i: number): PluginCall => ({
  plugin,
  fn: 'start',
  event: { name: 'Standard.start' },
  snapshot: { id: `nodes/v${i}`, deployment: 'bench', classes: ['Root'], properties: {}, edges: [] },
});

async function checked(host: PluginHost, c: PluginCall): Promise<void> {
  const r = await host.call(c);
  if (!r.ok || !r.effects.some((e) => e.type === 'intent')) throw new Error(`unexpected answer from ${c.plugin}: ${JSON.stringify(r)}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Number(x.toFixed(3));

export const pluginsCold: Benchmark = {
  name: 'plugins.cold',
  async run(ctx) {
    const rounds = ctx.quick ? 2 : 5;
    const host = await PluginHost.create({ threads: 1, callTimeoutMs: 10_000, cacheDir: join(ctx.tmpDir, 'cache') });
    try {
      const cold: number[] = [];
      const warm: number[] = [];
      // Warm-up (not counted): the worker thread, jco and the shim modules are loaded once.
      await host.register({ id: 'bench.warmup', bytes: paddedNoopPlugin(0) });
      await checked(host, call('bench.warmup', 0));
      for (let r = 0; r < rounds; r++) {
        const id = `bench.cold${r}`;
        const bytes = paddedNoopPlugin(0);
        const t0 = performance.now();
        await host.register({ id, bytes });
        await checked(host, call(id, 0));
        cold.push(performance.now() - t0);
        for (let i = 1; i <= 20; i++) {
          const t1 = performance.now();
          await checked(host, call(id, i));
          warm.push(performance.now() - t1);
        }
      }
      ctx.log(`cold ${cold.map((x) => x.toFixed(0)).join(', ')} ms`);
      return [
        withBaseline(
          { name: 'plugins.cold.first-call', value: round(median(cold)), unit: 'ms', extra: { rounds, plugin: 'SDK-built (QuickJS) noop, new hash each round', load: loadavg()[0]!.toFixed(2) } },
          { name: 'plugins.warm.call', value: round(median(warm)), unit: 'ms' },
        ),
      ];
    } finally {
      await host.close();
    }
  },
};
