/**
 * Convergence: 2, 3 and 5 replicas make random concurrent edits (creates, deletes, same-field and
 * different-field writes) and merge in random orders and partitions. After every merge the graph
 * invariants hold; after a full sync all replicas show identical documents.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as A from '@automerge/automerge';
import { parseEntityId } from '../../../store/index.js';
import { invariantViolations, makeReplicas, snapshot, sync, syncAll } from './replica-harness.js';
import type { Replica } from './replica-harness.js';

const V = ['a', 'b', 'c'];
const P = ['p', 'q'];

type Cmd =
  | { t: 'vertex'; r: number; v: string; parent?: string }
  | { t: 'edge'; r: number; e: string; s: string; d: string }
  | { t: 'delV'; r: number; v: string }
  | { t: 'delE'; r: number; e: string }
  | { t: 'prop'; r: number; v: string; p: string; x: number }
  | { t: 'owner'; r: number; v: string }
  | { t: 'sync'; from: number; to: number };

function cmdArb(n: number): fc.Arbitrary<Cmd> {
  const r = fc.nat({ max: n - 1 });
  const v = fc.constantFrom(...V);
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ t: fc.constant('vertex' as const), r, v, parent: fc.option(v, { nil: undefined }) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('edge' as const), r, e: fc.constantFrom('e1', 'e2'), s: v, d: v }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('delV' as const), r, v }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('delE' as const), r, e: fc.constantFrom('e1', 'e2') }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('prop' as const), r, v, p: fc.constantFrom(...P), x: fc.integer({ min: 0, max: 9 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('owner' as const), r, v }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), from: r, to: r }) },
  );
}

async function apply(replicas: Replica[], c: Cmd): Promise<void> {
  if (c.t === 'sync') {
    if (c.from === c.to) return;
    sync(replicas[c.from]!, replicas[c.to]!);
    const problems = invariantViolations(replicas[c.to]!);
    if (problems.length > 0) throw new Error(`after merge ${c.from}->${c.to}: ${problems.join('; ')}`);
    return;
  }
  const dep = replicas[c.r]!.dep;
  replicas[c.r]!.clock.advance(1);
  let p: Promise<unknown>;
  switch (c.t) {
    case 'vertex':
      p = dep.create('vertex', { id: `g/${c.v}`, ...(c.parent !== undefined && c.parent !== c.v ? { containing: `g/${c.parent}` } : {}) });
      break;
    case 'edge':
      p = dep.create('edge', { id: `g/${c.e}`, source: `g/${c.s}`, target: `g/${c.d}` });
      break;
    case 'delV':
      p = dep.delete(parseEntityId('vertex', `g/${c.v}`));
      break;
    case 'delE':
      p = dep.delete(parseEntityId('edge', `g/${c.e}`));
      break;
    case 'prop':
      p = dep.setProperty(parseEntityId('vertex', `g/${c.v}`), c.p, BigInt(c.x));
      break;
    case 'owner':
      p = dep.setOwner(`g/${c.v}`, `h${c.r}`);
      break;
  }
  await dep.flush();
  // Refusals (not found, already exists) are expected; they must be coded errors.
  await p.catch((e: { code?: string }) => {
    if (!String(e.code).startsWith('KH-STORE-')) throw e;
  });
}

async function run(n: number, cmds: Cmd[]): Promise<void> {
  const replicas = makeReplicas(n);
  // Start from a shared graph so deletes, edges and property writes meet existing entities.
  await Promise.all(V.map((v) => replicas[0]!.dep.create('vertex', { id: `g/${v}` })));
  syncAll(replicas);
  for (const c of cmds) await apply(replicas, c);
  syncAll(replicas);
  const ref = snapshot(replicas[0]!);
  const heads = A.getHeads(replicas[0]!.backend.doc()).sort().join();
  for (const r of replicas) {
    expect(invariantViolations(r)).toEqual([]);
    expect(A.getHeads(r.backend.doc()).sort().join()).toBe(heads);
    expect(snapshot(r)).toBe(ref);
  }
}

describe('replicas converge with invariants intact', () => {
  for (const [n, runs] of [
    [2, 30],
    [3, 25],
    [5, 12],
  ] as const) {
    it(`${n} replicas`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(cmdArb(n), { minLength: 1, maxLength: 30 }), (cmds) => run(n, cmds)),
        { numRuns: runs, seed: 42 + n },
      );
    });
  }

  it('same property written concurrently resolves to one value everywhere', async () => {
    const [a, b] = makeReplicas(2);
    await a!.dep.create('vertex', { id: 'g/x' });
    sync(a!, b!);
    const id = parseEntityId('vertex', 'g/x');
    await Promise.all([a!.dep.setProperty(id, 'p', 1n), b!.dep.setProperty(id, 'p', 2n), b!.dep.setProperty(id, 'q', 'other')]);
    syncAll([a!, b!]);
    const pa = a!.dep.getProperty(id, 'p')?.value;
    expect([1n, 2n]).toContain(pa);
    expect(b!.dep.getProperty(id, 'p')?.value).toBe(pa);
    // A different property written concurrently is kept.
    expect(a!.dep.getProperty(id, 'q')?.value).toBe('other');
  });

  it('regression: concurrent vertex delete + edge add hides the edge on every replica', async () => {
    const [a, b] = makeReplicas(2);
    await Promise.all([a!.dep.create('vertex', { id: 'g/a' }), a!.dep.create('vertex', { id: 'g/b' })]);
    sync(a!, b!);
    await a!.dep.delete(parseEntityId('vertex', 'g/a'));
    await b!.dep.create('edge', { id: 'g/e1', source: 'g/a', target: 'g/b' });
    syncAll([a!, b!]);
    for (const r of [a!, b!]) {
      expect(invariantViolations(r)).toEqual([]);
      expect(r.dep.list('edge')).toEqual([]);
      expect(r.dep.get('vertex', 'g/b')?.incoming).toEqual([]);
    }
  });

  it('regression: concurrent edits to different properties of one vertex both survive', async () => {
    const [a, b, c] = makeReplicas(3);
    await a!.dep.create('vertex', { id: 'g/v' });
    syncAll([a!, b!, c!]);
    const id = parseEntityId('vertex', 'g/v');
    await a!.dep.setProperty(id, 'p', 1n);
    await b!.dep.setProperty(id, 'q', 2n);
    await c!.dep.setOwner('g/v', 'h2');
    syncAll([a!, b!, c!]);
    const v = c!.dep.require('vertex', 'g/v');
    expect(v.properties.p?.value).toBe(1n);
    expect(v.properties.q?.value).toBe(2n);
    expect(v.owner).toBe('h2');
    // History names every writer, whichever replica reads it.
    const hosts = (r: typeof a) => r!.dep.history(id).map((h) => `${h.host}:${h.fields.join('+')}`);
    expect(hosts(a).sort()).toEqual(['h0:created', 'h0:property:p', 'h1:property:q', 'h2:owner']);
    expect(hosts(c)).toEqual(hosts(a));
  });
});
