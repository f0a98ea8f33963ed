import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KhutulunError } from '../../../common/index.js';
import { createScheduler, planToJSON } from '../../../scheduler/index.js';
import type { PlacementPolicy, SchedulerStateInput } from '../../../scheduler/index.js';
import { hid, host, vertex, vid } from './fixtures.js';

const scheduler = createScheduler();

describe('planner basics', () => {
  it('places every vertex and spreads load over the least loaded hosts', () => {
    const plan = scheduler.schedule({
      hosts: [host('h1'), host('h2')],
      vertexes: [vertex('a', { cpu: 1000 }), vertex('b', { cpu: 1000 }), vertex('c', { cpu: 1000 })],
    });
    expect(plan.unplaced).toEqual([]);
    const hosts = [...plan.placements.values()].map((h) => h[0]);
    expect(hosts.filter((h) => h === 'h1').length).toBeGreaterThan(0);
    expect(hosts.filter((h) => h === 'h2').length).toBeGreaterThan(0);
    expect(plan.changes.every((c) => c.cause === 'new')).toBe(true);
  });

  it('binpack fills one host before the next', () => {
    const plan = createScheduler({ strategy: 'binpack' }).schedule({
      hosts: [host('h1'), host('h2')],
      vertexes: [vertex('a', { cpu: 1000 }), vertex('b', { cpu: 1000 })],
    });
    expect(new Set([...plan.placements.values()].map((h) => h[0])).size).toBe(1);
  });

  it('honours node_filter-like constraints and explains what it could not place', () => {
    const plan = scheduler.schedule({
      hosts: [host('h1', { labels: { zone: 'eu' } }), host('h2', { labels: { zone: 'us' }, caps: ['gpu'] })],
      vertexes: [
        vertex('eu-app', { constraint: { op: 'equal', label: 'zone', value: 'eu' } }),
        vertex('gpu-app', { constraint: { op: 'has_capability', capability: 'gpu' } }),
        vertex('nowhere', { constraint: { op: 'and', of: [{ op: 'equal', label: 'zone', value: 'eu' }, { op: 'has_capability', capability: 'gpu' }] } }),
      ],
    });
    expect(plan.placements.get(vid('eu-app'))).toEqual(['h1']);
    expect(plan.placements.get(vid('gpu-app'))).toEqual(['h2']);
    expect(plan.unplaced).toHaveLength(1);
    expect(plan.unplaced[0]!.vertex).toBe('nowhere');
    expect(plan.unplaced[0]!.reasons[0]).toMatchObject({ code: 'constraint', hosts: 2 });
    expect(plan.unplaced[0]!.reasons[0]!.message).toContain('zone == eu and has capability gpu');
  });

  it('numeric label comparisons and custom resources', () => {
    const plan = scheduler.schedule({
      hosts: [host('h1', { labels: { gen: '3' }, gpu: 1 }), host('h2', { labels: { gen: '5' }, gpu: 0 })],
      vertexes: [
        vertex('new-cpu', { constraint: { op: 'greater_or_equal', label: 'gen', value: 4 } }),
        vertex('g1', { gpu: 1 }),
        vertex('g2', { gpu: 1 }),
      ],
    });
    expect(plan.placements.get(vid('new-cpu'))).toEqual(['h2']);
    expect(plan.placements.get(vid('g1'))).toEqual(['h1']);
    expect(plan.unplaced.map((u) => u.vertex)).toEqual(['g2']);
    expect(plan.unplaced[0]!.reasons).toContainEqual(expect.objectContaining({ code: 'exhausted', message: expect.stringContaining('gpu') }));
  });

  it('explains hosts that are not ready', () => {
    const plan = scheduler.schedule({
      hosts: [host('h1', { status: 'disconnected' }), host('h2', { status: 'draining' })],
      vertexes: [vertex('a')],
    });
    expect(plan.unplaced[0]!.reasons.map((r) => r.code)).toEqual(['no-ready-host', 'no-ready-host']);
  });
});

describe('placement policies', () => {
  const zones = ['a', 'a', 'b', 'b', 'c', 'c'].map((z, i) => host(`h${i}`, { labels: { zone: z } }));

  it('colocation puts members on one host, separation on distinct hosts', () => {
    const policies: PlacementPolicy[] = [
      { name: 'web-db', kind: 'colocation', members: [vid('web'), vid('db')] },
      { name: 'apart', kind: 'separation', members: [vid('x'), vid('y'), vid('z')] },
    ];
    const plan = scheduler.schedule({ hosts: zones, vertexes: ['web', 'db', 'x', 'y', 'z'].map((v) => vertex(v)), policies });
    expect(plan.placements.get(vid('web'))).toEqual(plan.placements.get(vid('db')));
    const xyz = ['x', 'y', 'z'].map((v) => plan.placements.get(vid(v))![0]);
    expect(new Set(xyz).size).toBe(3);
  });

  it('separation across a label and spread across a label', () => {
    const plan = scheduler.schedule({
      hosts: zones,
      vertexes: ['s1', 's2', 's3', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((v) => vertex(v)),
      policies: [
        { name: 'zones-apart', kind: 'separation', members: ['s1', 's2', 's3'].map(vid), label: 'zone' },
        { name: 'even', kind: 'spread', members: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map(vid), label: 'zone' },
      ],
    });
    const zoneOf = (v: string): string => zones.find((h) => h.id === plan.placements.get(vid(v))![0])!.labels.zone!;
    expect(new Set(['s1', 's2', 's3'].map(zoneOf)).size).toBe(3);
    const counts = new Map<string, number>();
    for (const p of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']) counts.set(zoneOf(p), (counts.get(zoneOf(p)) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2]);
  });

  it('redundancy places N copies on distinct hosts (or label values) and explains a shortfall', () => {
    const plan = scheduler.schedule({
      hosts: zones,
      vertexes: [vertex('r'), vertex('z')],
      policies: [
        { name: 'r3', kind: 'redundancy', members: [vid('r')], copies: 3 },
        { name: 'z4', kind: 'redundancy', members: [vid('z')], copies: 4, label: 'zone' },
      ],
    });
    expect(new Set(plan.placements.get(vid('r'))).size).toBe(3);
    expect(plan.placements.get(vid('z'))).toHaveLength(3);
    expect(plan.unplaced).toEqual([expect.objectContaining({ vertex: 'z', copy: 3 })]);
    expect(plan.unplaced[0]!.reasons[0]!.code).toBe('redundancy');
  });

  it('a colocation that contradicts a separation is reported, not crashed on', () => {
    const plan = scheduler.schedule({
      hosts: zones,
      vertexes: [vertex('a'), vertex('b')],
      policies: [
        { name: 'together', kind: 'colocation', members: [vid('a'), vid('b')] },
        { name: 'apart', kind: 'separation', members: [vid('a'), vid('b')] },
      ],
    });
    expect(plan.placements.size).toBe(0);
    expect(plan.unplaced.map((u) => u.reasons[0]!.code)).toEqual(['invalid-policy', 'invalid-policy']);
  });
});

describe('existing placements and lost hosts', () => {
  const base: SchedulerStateInput = {
    hosts: [host('h1'), host('h2', { status: 'lost' }), host('h3')],
    vertexes: [vertex('a'), vertex('b')],
    existing: { a: ['h2'], b: ['h3'] },
  };

  it('never moves work off a lost host without replaceLost (no eviction on silence)', () => {
    const plan = scheduler.schedule(base);
    expect(plan.placements.get(vid('a'))).toEqual(['h2']);
    expect(plan.changes).toEqual([]);
  });

  it('re-places work of a lost host when the disconnect policy says replace', () => {
    const plan = scheduler.schedule({ ...base, replaceLost: true });
    expect(plan.placements.get(vid('a'))![0]).not.toBe('h2');
    expect(plan.changes).toEqual([{ vertex: 'a', copy: 0, from: hid('h2'), to: plan.placements.get(vid('a'))![0], cause: 'host-lost' }]);
    expect(plan.placements.get(vid('b'))).toEqual(['h3']);
  });

  it('moves work whose constraint no longer holds, and from hosts that left', () => {
    const plan = scheduler.schedule({
      hosts: [host('h1', { labels: { zone: 'eu' } }), host('h3')],
      vertexes: [vertex('a', { constraint: { op: 'equal', label: 'zone', value: 'eu' } }), vertex('b')],
      existing: { a: ['h3'], b: ['gone'] },
    });
    expect(plan.changes.map((c) => [c.vertex, c.cause])).toEqual([
      ['a', 'constraint-changed'],
      ['b', 'host-gone'],
    ]);
  });
});

describe('bad input gives coded errors', () => {
  const cases: [string, unknown, string][] = [
    ['bad host id', { hosts: [{ ...host('h1'), id: 'bad id!' }], vertexes: [] }, 'KH-SCHED-001'],
    ['negative cpu', { hosts: [host('h1', { cpu: -1 })], vertexes: [] }, 'KH-SCHED-003'],
    ['bad constraint', { hosts: [], vertexes: [{ ...vertex('a'), constraint: { op: 'like' } }] }, 'KH-SCHED-004'],
    ['no arrays', {}, 'KH-SCHED-005'],
    ['duplicate host', { hosts: [host('h1'), host('h1')], vertexes: [] }, 'KH-SCHED-006'],
    ['unknown member', { hosts: [], vertexes: [], policies: [{ name: 'p', kind: 'separation', members: ['x'] }] }, 'KH-SCHED-011'],
    ['zero copies', { hosts: [], vertexes: [vertex('a')], policies: [{ name: 'p', kind: 'redundancy', members: ['a'], copies: 0 }] }, 'KH-SCHED-013'],
  ];
  it.each(cases)('%s', (_name, input, code) => {
    let caught: unknown;
    try {
      scheduler.schedule(input as SchedulerStateInput);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KhutulunError);
    expect((caught as KhutulunError).code).toBe(code);
    expect((caught as KhutulunError).hint).toBeTruthy();
  });
});

describe('planner properties', () => {
  const arb = fc.record({
    hosts: fc.array(fc.record({ cpu: fc.integer({ min: 0, max: 4000 }), zone: fc.constantFrom('a', 'b', 'c'), ready: fc.boolean() }), { maxLength: 8 }),
    vertexes: fc.array(fc.record({ cpu: fc.integer({ min: 0, max: 2000 }), zone: fc.option(fc.constantFrom('a', 'b', 'c')) }), { maxLength: 30 }),
    sep: fc.integer({ min: 0, max: 5 }),
    copies: fc.integer({ min: 1, max: 4 }),
  });
  it('never overcommits, respects constraints and policies, accounts for every copy, and is deterministic', () => {
    fc.assert(
      fc.property(arb, (input) => {
        const hosts = input.hosts.map((h, i) => host(`h${i}`, { cpu: h.cpu, labels: { zone: h.zone }, status: h.ready ? 'ready' : 'disconnected' }));
        const vertexes = input.vertexes.map((v, i) =>
          vertex(`v${String(i).padStart(2, '0')}`, { cpu: v.cpu, mem: 0, ...(v.zone ? { constraint: { op: 'equal', label: 'zone', value: v.zone } } : {}) }),
        );
        const sepMembers = vertexes.slice(0, input.sep).map((v) => v.id);
        const red = vertexes.slice(input.sep, input.sep + 1).map((v) => v.id);
        const policies: PlacementPolicy[] = [
          ...(sepMembers.length ? [{ name: 'sep', kind: 'separation' as const, members: sepMembers }] : []),
          ...(red.length ? [{ name: 'red', kind: 'redundancy' as const, members: red, copies: input.copies }] : []),
        ];
        const state: SchedulerStateInput = { hosts: [...hosts].reverse(), vertexes: [...vertexes].reverse(), policies };
        const plan = scheduler.schedule(state);
        const used = new Map<string, number>();
        for (const v of vertexes) {
          const hs = plan.placements.get(v.id) ?? [];
          const want = red.includes(v.id) ? input.copies : 1;
          const missing = plan.unplaced.filter((u) => u.vertex === v.id).length;
          expect(hs.length + missing).toBe(want);
          expect(new Set(hs).size).toBe(hs.length);
          for (const h of hs) {
            const hi = hosts.find((x) => x.id === h)!;
            expect(hi.status).toBe('ready');
            if (v.constraint?.op === 'equal') expect(hi.labels.zone).toBe(v.constraint.value);
            used.set(h, (used.get(h) ?? 0) + v.requests.cpu);
          }
        }
        for (const [h, cpu] of used) expect(cpu).toBeLessThanOrEqual(hosts.find((x) => x.id === h)!.capacity.cpu);
        const sepHosts = sepMembers.flatMap((m) => plan.placements.get(m) ?? []);
        expect(new Set(sepHosts).size).toBe(sepHosts.length);
        for (const u of plan.unplaced) expect(u.reasons.length).toBeGreaterThan(0);
        // Same input in another order -> same plan.
        expect(planToJSON(scheduler.schedule({ hosts, vertexes, policies }))).toEqual(planToJSON(plan));
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});
