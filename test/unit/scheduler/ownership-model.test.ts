/**
 * Model check of the ownership/disconnect protocol: random hosts, partitions and heals, kills and
 * restarts, desired-state edits on every side, under random disconnect policies. After healing
 * and quiescence: replicas identical, exactly one owner per vertex running exactly once, no lost
 * writes. With a policy that excludes double runs, no vertex ever runs twice, at any tick.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { disconnectPolicy } from '../../../scheduler/index.js';
import type { DisconnectPolicy } from '../../../scheduler/index.js';
import { ClusterModel } from './cluster-model.js';
import type { ModelOp } from './cluster-model.js';

const TICK = 1000;
// Wider searches (KH_MODEL_RUNS) need more time than the default suite.
const MODEL_TIMEOUT = Number(process.env.KH_MODEL_TIMEOUT ?? 180_000);

const policyArb: fc.Arbitrary<DisconnectPolicy> = fc
  .record({
    replace: fc.boolean(),
    reconcile: fc.constantFrom('keep-original' as const, 'keep-replacement' as const, 'best-score' as const),
    stop: fc.constantFrom(null, 2000, 5000, 9000),
  })
  .map((p) => disconnectPolicy({ graceMs: 3000, lostAfterMs: 10_000, replace: p.replace, reconcile: p.reconcile, stopOnClientAfterMs: p.stop }));

function opArb(hosts: number): fc.Arbitrary<ModelOp> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: hosts, maxLength: hosts }).map((groups) => ({ kind: 'partition' as const, groups })) },
    { weight: 2, arbitrary: fc.constant({ kind: 'heal' as const }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: hosts - 1 }).map((host) => ({ kind: 'kill' as const, host })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: hosts - 1 }).map((host) => ({ kind: 'restart' as const, host })) },
    {
      weight: 4,
      arbitrary: fc.record({ host: fc.integer({ min: 0, max: hosts - 1 }), vertex: fc.integer({ min: 0, max: 7 }) }).map((e) => ({ kind: 'edit' as const, ...e })),
    },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }).map((ticks) => ({ kind: 'advance' as const, ticks })) },
  );
}

const scenarioArb = fc.integer({ min: 1, max: 5 }).chain((hosts) =>
  fc.record({
    hosts: fc.constant(hosts),
    vertexes: fc.integer({ min: 1, max: 4 }),
    policy: policyArb,
    deliveryRate: fc.constantFrom(1, 0.5, 0.2),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    ops: fc.array(opArb(hosts), { maxLength: 20 }),
  }),
);

interface Scenario {
  hosts: number;
  vertexes: number;
  policy: DisconnectPolicy;
  deliveryRate: number;
  seed: number;
  ops: ModelOp[];
}

function run(s: Scenario): ClusterModel {
  const model = new ClusterModel({ hosts: s.hosts, vertexes: s.vertexes, policy: s.policy, tickMs: TICK, deliveryRate: s.deliveryRate, seed: s.seed });
  model.apply({ kind: 'advance', ticks: 3 });
  for (const op of s.ops) model.apply(op);
  model.settle();
  return model;
}

describe('ownership protocol model', () => {
  it('converges to one owner running once, identical replicas, no lost writes', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const model = run(s);
        const broken = model.checkFinal();
        if (broken.length > 0) throw new Error(`${broken.join('\n')}\n--- log\n${model.log.join('\n')}`);
      }),
      { numRuns: Number(process.env.KH_MODEL_RUNS ?? 30), seed: Number(process.env.KH_MODEL_SEED ?? 20261125) },
    );
  }, MODEL_TIMEOUT);

  it('fenced policies never run a vertex twice, even with lagging asymmetric sync', () => {
    const hosts = 3;
    const op: fc.Arbitrary<ModelOp> = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: hosts, maxLength: hosts }).map((groups) => ({ kind: 'partition' as const, groups })),
      fc.constant({ kind: 'heal' as const }),
      fc.integer({ min: 1, max: 12 }).map((ticks) => ({ kind: 'advance' as const, ticks })),
    );
    const reconcile = fc.constantFrom('keep-original' as const, 'keep-replacement' as const, 'best-score' as const);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 14 }), fc.integer({ min: 1, max: 1_000_000 }), reconcile, (ops, seed, mode) => {
        const model = run({ hosts, vertexes: 2, policy: fenced(mode), deliveryRate: 0.3, seed, ops });
        const broken = model.checkFinal();
        if (broken.length > 0) throw new Error(`${broken.join('\n')}\n--- log\n${model.log.join('\n')}`);
      }),
      { numRuns: Number(process.env.KH_MODEL_RUNS ?? 40), seed: Number(process.env.KH_MODEL_SEED ?? 7) },
    );
  }, MODEL_TIMEOUT);
});

function fenced(reconcile: DisconnectPolicy['reconcile']): DisconnectPolicy {
  return disconnectPolicy({ graceMs: 3000, lostAfterMs: 10_000, replace: true, reconcile, stopOnClientAfterMs: 5000 });
}

function edge(reconcile: DisconnectPolicy['reconcile'], replace = true): DisconnectPolicy {
  return disconnectPolicy({ graceMs: 3000, lostAfterMs: 10_000, replace, reconcile, stopOnClientAfterMs: null });
}

function ownerOf(model: ClusterModel, v = 'v0'): string | undefined {
  return model.hosts.find((h) => h.running.has(v as never))?.id;
}

/** Scenarios found by the model (or by mutating the protocol), kept as named regressions. */
describe('ownership regressions', () => {
  const cut = (groups: number[], ticks: number): ModelOp[] => [
    { kind: 'partition', groups },
    { kind: 'advance', ticks },
    { kind: 'heal' },
    { kind: 'advance', ticks: 10 },
  ];

  it.each([5, 13])('handover after a heal waits until the replacement stopped (keep-original, lagging sync, seed %i)', (seed) => {
    const model = run({ hosts: 3, vertexes: 1, policy: fenced('keep-original'), deliveryRate: 0.3, seed, ops: cut([0, 1, 1], 15) });
    expect(model.checkFinal()).toEqual([]);
    expect(ownerOf(model)).toBe('h0');
  });

  it('a claim written just before the partition moved needs a quorum ack before it starts (seed 84476)', () => {
    const ops: ModelOp[] = [
      { kind: 'partition', groups: [0, 1, 0] },
      { kind: 'advance', ticks: 12 },
      { kind: 'heal' },
      { kind: 'advance', ticks: 1 },
    ];
    const model = run({ hosts: 3, vertexes: 2, policy: fenced('keep-original'), deliveryRate: 0.3, seed: 84476, ops });
    expect(model.checkFinal()).toEqual([]);
  });

  it.each([8, 25, 44])('a host that rejoins must not count acks written before it came back (keep-replacement, seed %i)', (seed) => {
    const ops: ModelOp[] = [
      { kind: 'partition', groups: [0, 1, 0] },
      { kind: 'advance', ticks: 12 },
      { kind: 'heal' },
      { kind: 'advance', ticks: 1 },
    ];
    const model = run({ hosts: 3, vertexes: 2, policy: fenced('keep-replacement'), deliveryRate: 0.3, seed, ops });
    expect(model.checkFinal()).toEqual([]);
  });

  it('two copies from a partition meet in a new partition before their documents do (5 hosts, seed 1)', () => {
    const ops: ModelOp[] = [
      { kind: 'partition', groups: [0, 2, 2, 0, 0] },
      { kind: 'advance', ticks: 12 },
      { kind: 'partition', groups: [0, 2, 0, 2, 0] },
      { kind: 'advance', ticks: 1 },
    ];
    const model = run({ hosts: 5, vertexes: 2, policy: edge('keep-original'), deliveryRate: 0.5, seed: 1, ops });
    expect(model.checkFinal()).toEqual([]);
  });

  it('a host cut off from everyone never takes the work of the majority', () => {
    const model = run({ hosts: 3, vertexes: 3, policy: edge('keep-original'), deliveryRate: 1, seed: 1, ops: cut([0, 0, 1], 30) });
    expect(model.checkFinal()).toEqual([]);
    for (const v of model.vertexIds) expect(ownerOf(model, v)).toBe(model.initialOwner.get(v));
  });

  it('reconcile: keep-original brings the work back, keep-replacement leaves it where it was re-placed', () => {
    const original = run({ hosts: 3, vertexes: 1, policy: edge('keep-original'), deliveryRate: 1, seed: 1, ops: cut([0, 1, 1], 15) });
    const replacement = run({ hosts: 3, vertexes: 1, policy: edge('keep-replacement'), deliveryRate: 1, seed: 1, ops: cut([0, 1, 1], 15) });
    const tie = run({ hosts: 3, vertexes: 1, policy: edge('best-score'), deliveryRate: 1, seed: 1, ops: cut([0, 1, 1], 15) });
    expect(original.checkFinal()).toEqual([]);
    expect(replacement.checkFinal()).toEqual([]);
    expect(ownerOf(original)).toBe('h0');
    expect(ownerOf(replacement)).not.toBe('h0');
    expect(ownerOf(tie)).toBe('h0'); // equal scores keep the original
  });

  it('without replace, silence never moves work, however long', () => {
    const model = run({ hosts: 3, vertexes: 3, policy: edge('keep-replacement', false), deliveryRate: 1, seed: 1, ops: cut([0, 1, 1], 60) });
    expect(model.checkFinal()).toEqual([]);
    expect(model.log.some((l) => l.includes('replaces'))).toBe(false);
  });

  it('a host restarted into isolation with a cut-off starts nothing until it sees a quorum', () => {
    const model = new ClusterModel({ hosts: 3, vertexes: 3, policy: fenced('keep-original'), tickMs: TICK });
    model.apply({ kind: 'advance', ticks: 3 });
    const h0 = model.hosts[0]!;
    expect(h0.running.size).toBeGreaterThan(0);
    model.apply({ kind: 'partition', groups: [1, 0, 0] });
    model.apply({ kind: 'kill', host: 0 });
    model.apply({ kind: 'restart', host: 0 });
    model.apply({ kind: 'advance', ticks: 20 });
    expect(h0.running.size).toBe(0);
    model.settle();
    expect(model.checkFinal()).toEqual([]);
  });
});
