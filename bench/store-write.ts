/** store.write: property writes per second, batched (one change per tick). */
import * as A from '@automerge/automerge';
import { openStore, parseEntityId } from '../store/index.js';
import type { EntityId } from '../store/index.js';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';
import { cpuSeconds, fill, naiveDoc, naiveFill, round } from './store-fixtures.js';

export const storeWrite: Benchmark = {
  name: 'store.write',
  async run(ctx) {
    const vertexes = ctx.quick ? 200 : 1000;
    const writes = ctx.quick ? 10_000 : 50_000;
    const batch = 5000;
    let raw = naiveFill(naiveDoc(), vertexes);
    let t = performance.now();
    let cpu = process.cpuUsage();
    for (let s = 0; s < writes; s += batch) {
      raw = A.change(raw, (x) => {
        for (let i = s; i < s + batch; i++) x.vertexes[`v/n${i % vertexes}`]!.props[`prop${1 + (i % 9)}`]!.value = i;
      });
    }
    const rawRate = writes / ((performance.now() - t) / 1000);
    const rawCpuRate = writes / cpuSeconds(process.cpuUsage(cpu));

    const store = await openStore({ hostId: 'bench' });
    const dep = await store.createDeployment('w');
    await fill(dep, vertexes);
    const ids: EntityId[] = [];
    for (let i = 0; i < vertexes; i++) ids.push(parseEntityId('vertex', `v/n${i}`));
    t = performance.now();
    cpu = process.cpuUsage();
    for (let s = 0; s < writes; s += batch) {
      const ps: Promise<void>[] = [];
      for (let i = s; i < s + batch; i++) ps.push(dep.setProperty(ids[i % vertexes]!, `prop${1 + (i % 9)}`, BigInt(i)));
      await Promise.all(ps);
    }
    const rate = writes / ((performance.now() - t) / 1000);
    const cpuRate = writes / cpuSeconds(process.cpuUsage(cpu));
    await store.close();
    return [
      withBaseline(
        { name: 'store.write.writes_per_s', value: round(rate), unit: 'write/s', extra: { writes, vertexes, batch, target: '>= 50000', perCpuSecond: round(cpuRate), baselinePerCpuSecond: round(rawCpuRate) } },
        { name: 'raw automerge naive encoding', value: round(rawRate), unit: 'write/s' },
      ),
    ];
  },
};
