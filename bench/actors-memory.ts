/**
 * actors.memory: resident memory with 10,000 idle actors (deployed, started, waiting for events).
 * Baseline, same run: RSS with the same 10 deployments loaded in the store but no actors.
 */
import { HostEngine, MemoryActorStore } from '../actors/index.js';
import type { PluginCall, PluginCallResult, PluginHostLike } from '../plugins/host/index.js';
import { NoopRuntime } from '../runtimes/noop/index.js';
import { benchGraph } from './pipeline-graph.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function settleGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
}

export const actorsMemory: Benchmark = {
  name: 'actors.memory',
  async run(ctx): Promise<BenchResult[]> {
    const deployments = 10;
    const perDeployment = ctx.quick ? 200 : 1000;
    const store = new MemoryActorStore();
    const names = Array.from({ length: deployments }, (_, i) => `d${i}`);
    for (const name of names) store.put(name, benchGraph(name, perDeployment, 4));
    // A minimal in-process host (type-only import): loading the Wasm host would add jco's ~120 MB
    // to what is measured, and the actors do not hold it.
    const plugins: PluginHostLike = {
      register: async () => {},
      describe: () => undefined,
      call: async (): Promise<PluginCallResult> => ({ ok: true, effects: [] }),
      callBatch: async (calls: readonly PluginCall[]): Promise<PluginCallResult[]> => calls.map(() => ({ ok: true, effects: [] })),
      close: async () => {},
    };
    settleGc();
    const before = process.memoryUsage();
    const engine = new HostEngine({ hostId: 'bench', store, plugins, runtimes: [new NoopRuntime()] });
    await engine.start();
    for (const n of names) {
      const r = await engine.deploy(n);
      if (!r.ok) throw new Error(`deploy failed: ${r.error?.message}`);
    }
    settleGc();
    const after = process.memoryUsage();
    const actors = engine.actorCount;
    ctx.log(`${actors} idle actors: rss ${mb(after.rss)} MB (before ${mb(before.rss)} MB), heap ${mb(after.heapUsed)} MB`);
    await engine.close();
    return [
      withBaseline(
        { name: 'actors.memory.rss_10k_idle', value: mb(after.rss), unit: 'MB', extra: { actors, heapUsedMb: mb(after.heapUsed), deltaRssMb: mb(after.rss - before.rss), perActorBytes: Math.round((after.heapUsed - before.heapUsed) / actors), target: '<= 250 MB' } },
        { name: 'actors.memory.rss_store_only', value: mb(before.rss), unit: 'MB' },
      ),
    ];
  },
};
