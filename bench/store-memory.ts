/** store.memory: heap and RSS growth per 1k vertexes (10 properties each). */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openStore } from '../store/index.js';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';
import { fill, naiveDoc, naiveFill, round } from './store-fixtures.js';

// A real GC between measurements, without needing `node --expose-gc` on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settle(): void {
  for (let i = 0; i < 3; i++) gc();
}

export const storeMemory: Benchmark = {
  name: 'store.memory',
  async run(ctx) {
    const count = ctx.quick ? 2000 : 10_000;
    const per1k = (b: number): number => b / (count / 1000);
    // The store first; each side is measured while its data is alive and released before the next.
    settle();
    let before = process.memoryUsage();
    let store: Awaited<ReturnType<typeof openStore>> | undefined = await openStore({ hostId: 'bench' });
    const dep = await store.createDeployment('m');
    await fill(dep, count);
    if (dep.count('vertex') !== count + 1) throw new Error('fill incomplete');
    settle();
    let after = process.memoryUsage();
    const rss = per1k(after.rss - before.rss);
    const heap = per1k(after.heapUsed - before.heapUsed);
    await store.close();
    store = undefined;

    settle();
    before = process.memoryUsage();
    const raw = naiveFill(naiveDoc(), count);
    settle();
    after = process.memoryUsage();
    const rawRss = per1k(after.rss - before.rss);
    const rawHeap = per1k(after.heapUsed - before.heapUsed);
    if (Object.keys(raw.vertexes).length !== count) throw new Error('baseline incomplete');
    const mb = (b: number): number => round(b / 1024 / 1024, 2);
    return [
      withBaseline(
        { name: 'store.memory.rss_per_1k_vertexes', value: mb(rss), unit: 'MB', extra: { vertexes: count, gc: true } },
        { name: 'raw automerge naive encoding', value: mb(rawRss), unit: 'MB' },
      ),
      withBaseline({ name: 'store.memory.heap_per_1k_vertexes', value: mb(heap), unit: 'MB', extra: { vertexes: count } }, { name: 'raw automerge naive encoding', value: mb(rawHeap), unit: 'MB' }),
    ];
  },
};
