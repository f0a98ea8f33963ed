/**
 * The cross-host reconcile step as a model: random DAGs, random owners among 1-4 hosts, hosts
 * stepping in random order, operations that finish (or fail) at random later times, and status
 * that reaches the other hosts only when "synced". Checks: no vertex starts before everything it
 * requires has started (stops: before everything requiring it has stopped), each actor is sent its
 * goal at most once per request, every host ends done, and a failure stops exactly its dependents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atGoal, reconcilePlan } from '../../../actors/index.js';
import type { Goal } from '../../../actors/index.js';

const model = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc
      .array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 })
      .map((pairs) => pairs.filter(([a, b]) => a !== b).map(([a, b]) => ({ source: `v${Math.max(a, b)}`, target: `v${Math.min(a, b)}` }))),
    owners: fc.array(fc.nat(3), { minLength: n, maxLength: n }),
    failing: fc.option(fc.nat(n - 1), { nil: undefined }),
    schedule: fc.array(fc.nat(1000), { minLength: 400, maxLength: 400 }),
  }),
);

interface Sim {
  phase: Map<string, string>;
  /** What each host has seen of the others' phases (document sync lags). */
  seen: Map<number, Map<string, string>>;
  busy: Map<string, { goal: Goal; doneAt: number; fail: boolean }>;
  order: string[];
  sends: Map<string, number>;
}

function run(goal: Goal, m: { n: number; edges: { source: string; target: string }[]; owners: number[]; failing: number | undefined; schedule: number[] }, start: Map<string, string>): Sim {
  const vertexes = Array.from({ length: m.n }, (_, i) => `v${i}`);
  const owner = (v: string): number => m.owners[Number(v.slice(1))]!;
  const sim: Sim = { phase: new Map(start), seen: new Map(), busy: new Map(), order: [], sends: new Map() };
  for (let h = 0; h < 4; h++) sim.seen.set(h, new Map(start));
  for (let t = 0; t < m.schedule.length; t++) {
    const r = m.schedule[t]!;
    // Finish operations that are due.
    for (const [v, b] of [...sim.busy]) {
      if (b.doneAt > t) continue;
      sim.busy.delete(v);
      const next = b.fail ? 'error' : b.goal === 'deployed' ? 'started' : 'deleted';
      sim.phase.set(v, next);
      sim.seen.get(owner(v))!.set(v, next);
      if (!b.fail) sim.order.push(v);
    }
    if (r % 3 === 0) {
      // Sync: one host catches up with the truth.
      sim.seen.set(r % 4, new Map(sim.phase));
      continue;
    }
    const host = r % 4;
    const view = sim.seen.get(host)!;
    const plan = reconcilePlan({
      goal,
      vertexes,
      edges: m.edges,
      phase: (v) => (owner(v) === host ? sim.phase.get(v)! : view.get(v)!),
      local: (v) => owner(v) === host,
      actor: (v) => (sim.busy.has(v) ? { goal: sim.busy.get(v)!.goal, busy: true } : { busy: false }),
      retry: () => false,
    });
    for (const v of plan.send) {
      // The actor's own rule: a send while busy toward the same goal is a no-op (never sent here).
      expect(sim.busy.has(v)).toBe(false);
      sim.sends.set(v, (sim.sends.get(v) ?? 0) + 1);
      const fail = goal === 'deployed' && m.failing !== undefined && v === `v${m.failing}`;
      sim.busy.set(v, { goal, doneAt: t + 1 + (r % 5), fail });
    }
  }
  return sim;
}

/** Everything `v` requires, transitively. */
function requiredBy(edges: { source: string; target: string }[], v: string, seen = new Set<string>()): Set<string> {
  for (const e of edges) if (e.source === v && !seen.has(e.target)) requiredBy(edges, e.target, seen.add(e.target));
  return seen;
}

describe('cross-host reconcile (model)', () => {
  it('deploys in dependency order across hosts, each actor asked once, a failure blocks only its dependents', () => {
    fc.assert(
      fc.property(model, (m) => {
        const vertexes = Array.from({ length: m.n }, (_, i) => `v${i}`);
        const sim = run('deployed', m, new Map(vertexes.map((v) => [v, 'initial'])));
        const position = new Map(sim.order.map((v, i) => [v, i]));
        for (const e of m.edges) {
          if (position.has(e.source)) expect(position.get(e.target)!).toBeLessThan(position.get(e.source)!);
        }
        for (const n of sim.sends.values()) expect(n).toBe(1);
        const failed = m.failing === undefined ? undefined : `v${m.failing}`;
        for (const v of vertexes) {
          const blocked = failed !== undefined && (v === failed || requiredBy(m.edges, v).has(failed));
          expect(sim.phase.get(v)).toBe(blocked ? (v === failed ? 'error' : 'initial') : 'started');
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('undeploys in reverse order across hosts and ends done everywhere', () => {
    fc.assert(
      fc.property(model, (m) => {
        const vertexes = Array.from({ length: m.n }, (_, i) => `v${i}`);
        const sim = run('undeployed', { ...m, failing: undefined }, new Map(vertexes.map((v) => [v, 'started'])));
        const position = new Map(sim.order.map((v, i) => [v, i]));
        for (const e of m.edges) expect(position.get(e.source)!).toBeLessThan(position.get(e.target)!);
        expect(vertexes.every((v) => atGoal('undeployed', sim.phase.get(v)!))).toBe(true);
        for (let host = 0; host < 4; host++) {
          const plan = reconcilePlan({
            goal: 'undeployed',
            vertexes,
            edges: m.edges,
            phase: (v) => sim.phase.get(v)!,
            local: (v) => m.owners[Number(v.slice(1))] === host,
            actor: () => ({ busy: false }),
            retry: () => false,
          });
          expect(plan).toMatchObject({ done: true, send: [], failed: [] });
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it('a remote failure counts as in progress until its owner acknowledged the request, then it is final', () => {
    const input = {
      goal: 'deployed' as const,
      vertexes: ['a', 'b'],
      edges: [{ source: 'b', target: 'a' }],
      phase: (v: string) => (v === 'a' ? 'error' : 'initial'),
      local: (v: string) => v === 'b',
      actor: () => ({ busy: false }),
      retry: () => false,
    };
    expect(reconcilePlan({ ...input, remoteFinal: () => false }).waiting.get('a')).toEqual([]);
    const final = reconcilePlan({ ...input, remoteFinal: () => true });
    expect(final.failed).toEqual(['a']);
    expect(final.waiting.has('a')).toBe(false);
    expect(final.waiting.get('b')).toEqual(['a']);
    // A local failure is re-sent only when a new request allows it.
    const local = { ...input, local: () => true };
    expect(reconcilePlan(local).send).toEqual([]);
    expect(reconcilePlan({ ...local, retry: (v: string) => v === 'a' }).send).toEqual(['a']);
  });
});
