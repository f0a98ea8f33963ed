/** store.create: vertexes (10 properties each) per second, batched, 10k across 10 deployments. */
import { openStore } from '../store/index.js';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';
import { cpuSeconds, fill, naiveDoc, naiveFill, round } from './store-fixtures.js';

export const storeCreate: Benchmark = {
  name: 'store.create',
  async run(ctx) {
    const perDep = ctx.quick ? 200 : 1000;
    const deps = 10;
    const total = perDep * deps;
    // Baseline: raw Automerge, naive encoding (flat map, nested property maps), same batches.
    let t = performance.now();
    let cpu = process.cpuUsage();
    for (let d = 0; d < deps; d++) naiveFill(naiveDoc(), perDep);
    const rawRate = total / ((performance.now() - t) / 1000);
    const rawCpuRate = total / (cpuSeconds(process.cpuUsage(cpu)));

    const store = await openStore({ hostId: 'bench' });
    const names: string[] = [];
    for (let d = 0; d < deps; d++) names.push((await store.createDeployment(`d${d}`)).name);
    t = performance.now();
    cpu = process.cpuUsage();
    for (const n of names) await fill(await store.openDeployment(n), perDep);
    const rate = total / ((performance.now() - t) / 1000);
    const cpuRate = total / cpuSeconds(process.cpuUsage(cpu));
    await store.close();
    ctx.log(`created ${total} vertexes`);
    return [
      withBaseline(
        { name: 'store.create.vertexes_per_s', value: round(rate), unit: 'vertex/s', extra: { vertexes: total, deployments: deps, propsPerVertex: 10, batch: 1000, target: '>= 5000', perCpuSecond: round(cpuRate), baselinePerCpuSecond: round(rawCpuRate) } },
        { name: 'raw automerge naive encoding', value: round(rawRate), unit: 'vertex/s' },
      ),
    ];
  },
};
