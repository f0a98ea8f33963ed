/**
 * schedule.place: the pure planner placing 10k vertexes on 100 hosts (target >= 20k placements/s),
 * against a naive first-fit over the same input measured in the same run. A second case adds
 * constraints and policies (spread across zones, separation, redundancy) to show their cost.
 */
import { createScheduler, buildState, parseHostId, parseVertexId } from '../scheduler/index.js';
import type { HostInfo, PlacementPolicy, SchedulerStateInput, VertexRequest } from '../scheduler/index.js';
import { seededRandom } from '../common/index.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

function input(vertexCount: number, hostCount: number, withPolicies: boolean): SchedulerStateInput {
  const rnd = seededRandom(42);
  const hosts: HostInfo[] = Array.from({ length: hostCount }, (_, i) => ({
    id: parseHostId(`host-${String(i).padStart(3, '0')}`),
    labels: { zone: `z${i % 4}`, gen: String(3 + (i % 3)) },
    capabilities: i % 10 === 0 ? ['gpu'] : [],
    capacity: { cpu: 64_000, memory: 256 * 1024 ** 3 },
    status: 'ready',
  }));
  const vertexes: VertexRequest[] = Array.from({ length: vertexCount }, (_, i) => ({
    id: parseVertexId(`dep/app-${i}`),
    template: `t${i % 20}`,
    requests: { cpu: 100 + Math.floor(rnd.next() * 400), memory: (64 + Math.floor(rnd.next() * 448)) * 1024 ** 2 },
    ...(withPolicies && i % 5 === 0 ? { constraint: { op: 'greater_or_equal' as const, label: 'gen', value: 4 } } : {}),
  }));
  const policies: PlacementPolicy[] = withPolicies
    ? [
        { name: 'spread-web', kind: 'spread', label: 'zone', members: vertexes.slice(0, 2000).map((v) => v.id) },
        { name: 'db-apart', kind: 'separation', members: vertexes.slice(2000, 2050).map((v) => v.id) },
        { name: 'cache-x3', kind: 'redundancy', copies: 3, members: vertexes.slice(2050, 2550).map((v) => v.id) },
      ]
    : [];
  return { hosts, vertexes, policies };
}

/** The baseline: first host (in id order) with room, no scoring, no policies. */
function firstFit(state: SchedulerStateInput): number {
  const free = state.hosts.map((h) => ({ cpu: h.capacity.cpu, memory: h.capacity.memory }));
  let placed = 0;
  for (const v of state.vertexes) {
    for (const f of free) {
      if (f.cpu >= v.requests.cpu && f.memory >= v.requests.memory) {
        f.cpu -= v.requests.cpu;
        f.memory -= v.requests.memory;
        placed++;
        break;
      }
    }
  }
  return placed;
}

function timeIt(fn: () => number, rounds: number): { ms: number; count: number } {
  fn(); // warm-up
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    count = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, count };
}

export const schedulerPlaceBenchmark: Benchmark = {
  name: 'schedule.place',
  async run(ctx) {
    const vertexCount = ctx.quick ? 2000 : 10_000;
    const rounds = ctx.quick ? 3 : 7;
    const scheduler = createScheduler();
    const results: BenchResult[] = [];
    const plain = input(vertexCount, 100, false);
    const plainState = buildState(plain);
    const base = timeIt(() => firstFit(plain), rounds);
    const baseRate = Math.round(base.count / (base.ms / 1000));
    // The pure planner over a validated snapshot (validation is measured on its own below).
    const ours = timeIt(() => {
      const plan = scheduler.schedule(plainState);
      return vertexCount - plan.unplaced.length;
    }, rounds);
    const e2e = timeIt(() => vertexCount - scheduler.schedule(plain).unplaced.length, rounds);
    const rate = Math.round(ours.count / (ours.ms / 1000));
    results.push(
      withBaseline(
        { name: 'schedule.place.rate', value: rate, unit: 'placements/s', extra: { vertexes: vertexCount, hosts: 100, ms: Number(ours.ms.toFixed(1)), target: 20_000 } },
        { name: 'first-fit', value: baseRate, unit: 'placements/s' },
      ),
    );
    results.push(
      withBaseline(
        { name: 'schedule.place.e2e.rate', value: Math.round(e2e.count / (e2e.ms / 1000)), unit: 'placements/s', extra: { includes: 'validation + planning', ms: Number(e2e.ms.toFixed(1)) } },
        { name: 'first-fit', value: baseRate, unit: 'placements/s' },
      ),
    );
    const rich = input(vertexCount, 100, true);
    const state = buildState(rich);
    const withPolicies = timeIt(() => {
      const plan = scheduler.schedule(state);
      let n = 0;
      for (const hs of plan.placements.values()) n += hs.length;
      return n;
    }, rounds);
    results.push(
      withBaseline(
        {
          name: 'schedule.place.policies.rate',
          value: Math.round(withPolicies.count / (withPolicies.ms / 1000)),
          unit: 'placements/s',
          extra: { placements: withPolicies.count, ms: Number(withPolicies.ms.toFixed(1)), policies: 'spread+separation+redundancy+constraints' },
        },
        { name: 'first-fit', value: baseRate, unit: 'placements/s' },
      ),
    );
    const validate = timeIt(() => buildState(rich).vertexes.length, rounds);
    results.push({ name: 'schedule.state.build', value: Number(validate.ms.toFixed(2)), unit: 'ms', extra: { vertexes: vertexCount } });
    ctx.log(`planner ${ours.ms.toFixed(1)} ms, first-fit ${base.ms.toFixed(1)} ms, with policies ${withPolicies.ms.toFixed(1)} ms`);
    return results;
  },
};
