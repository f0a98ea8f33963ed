/** store.load: open a 10k-vertex deployment from disk (ms) and its size on disk. */
import * as A from '@automerge/automerge';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore } from '../store/index.js';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';
import { fill, naiveDoc, naiveFill, round } from './store-fixtures.js';

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

export const storeLoad: Benchmark = {
  name: 'store.load',
  async run(ctx) {
    const count = ctx.quick ? 2000 : 10_000;
    const dir = join(ctx.tmpDir, 'state');
    const s1 = await openStore({ dir, hostId: 'bench' });
    await fill(await s1.createDeployment('big'), count);
    await s1.close();
    const bytes = await du(dir);

    const saved = A.save(naiveFill(naiveDoc(), count));
    let t = performance.now();
    const loaded = A.load(saved) as A.Doc<{ vertexes: Record<string, unknown> }>;
    const rawMs = performance.now() - t;
    if (Object.keys(loaded.vertexes).length !== count) throw new Error('baseline load incomplete');

    t = performance.now();
    const s2 = await openStore({ dir, hostId: 'bench' });
    const dep = await s2.openDeployment('big');
    const n = dep.count('vertex');
    const ms = performance.now() - t;
    await s2.close();
    if (n !== count + 1) throw new Error(`expected ${count + 1} vertexes, saw ${n}`);
    return [
      withBaseline(
        { name: 'store.load.ms', value: round(ms), unit: 'ms', extra: { vertexes: count, propsPerVertex: 10, target: '<= 300' } },
        { name: 'raw A.load naive encoding', value: round(rawMs), unit: 'ms' },
      ),
      withBaseline(
        { name: 'store.load.disk_bytes', value: bytes, unit: 'B', extra: { vertexes: count } },
        { name: 'raw A.save naive encoding', value: saved.byteLength, unit: 'B' },
      ),
    ];
  },
};
