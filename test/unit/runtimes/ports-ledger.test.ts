/** The pure port allocator and its merge rule, with property tests for the safety invariants. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import {
  allocatePort,
  emptyLedger,
  mergeLedgers,
  portKey,
  releaseWorkload,
  resolveEndpoint,
} from '../../../runtimes/ports/index.js';
import type { PortLedger, PortProtocol, PortReservation } from '../../../runtimes/ports/index.js';

const range = { min: 30000, max: 30009 };
const all = (l: PortLedger): PortReservation[] => Object.values(l.hosts).flatMap((h) => Object.values(h));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    return (e as KhutulunError).code;
  }
  return 'none';
}

/** Every reservation sits under its own key; no (host, workload, name, protocol) holds two ports. */
function checkInvariants(l: PortLedger): void {
  const owners = new Set<string>();
  for (const [host, entries] of Object.entries(l.hosts)) {
    for (const [key, r] of Object.entries(entries)) {
      expect(r.host).toBe(host);
      expect(key).toBe(portKey(r.protocol, r.port));
      const owner = `${r.workload}|${r.name}|${r.protocol}`;
      expect(owners.has(`${host}|${owner}`)).toBe(false);
      owners.add(`${host}|${owner}`);
    }
  }
}

const opArb = fc.record({
  host: fc.constantFrom('h1', 'h2'),
  workload: fc.constantFrom('d/a', 'd/b', 'd/c', 'd/d'),
  name: fc.constantFrom('http', 'admin'),
  protocol: fc.constantFrom<PortProtocol>('tcp', 'udp'),
  preferred: fc.option(fc.integer({ min: range.min, max: range.max }), { nil: undefined }),
  release: fc.boolean(),
});

type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function apply(ops: readonly Op[], start = emptyLedger(), t0 = 0): PortLedger {
  let ledger = start;
  ops.forEach((op, i) => {
    if (op.release) {
      ledger = releaseWorkload(ledger, op.workload, op.host).ledger;
      return;
    }
    try {
      ledger = allocatePort(ledger, { ...op }, { now: t0 + i, range }).ledger;
    } catch (e) {
      // taken / exhausted are legitimate answers; anything else is a bug
      expect(['KH-PORT-001', 'KH-PORT-002']).toContain((e as KhutulunError).code);
    }
  });
  return ledger;
}

describe('allocatePort', () => {
  it('is idempotent per workload port and never hands one port out twice on a host', () => {
    let l = emptyLedger();
    const a = allocatePort(l, { host: 'h1', workload: 'd/a', name: 'http', protocol: 'tcp' }, { now: 1, range });
    l = a.ledger;
    expect(allocatePort(l, { host: 'h1', workload: 'd/a', name: 'http', protocol: 'tcp' }, { now: 2, range }).reservation).toEqual(a.reservation);
    const b = allocatePort(l, { host: 'h1', workload: 'd/b', name: 'http', protocol: 'tcp' }, { now: 3, range });
    expect(b.reservation.port).not.toBe(a.reservation.port);
    // another host may use the same number: ports are per host
    const c = allocatePort(b.ledger, { host: 'h2', workload: 'd/c', name: 'http', protocol: 'tcp' }, { now: 4, range });
    expect(c.reservation.port).toBe(a.reservation.port);
    // udp and tcp are separate spaces
    const u = allocatePort(b.ledger, { host: 'h1', workload: 'd/u', name: 'dns', protocol: 'udp' }, { now: 5, range });
    expect(u.reservation.port).toBe(range.min);
  });

  it('refuses a preferred port held by another workload, skips busy ports, reports exhaustion', () => {
    const l = allocatePort(emptyLedger(), { host: 'h1', workload: 'd/a', name: 'http', protocol: 'tcp', preferred: 30005 }, { now: 1, range }).ledger;
    expect(codeOf(() => allocatePort(l, { host: 'h1', workload: 'd/b', name: 'http', protocol: 'tcp', preferred: 30005 }, { now: 2, range }))).toBe('KH-PORT-001');
    expect(codeOf(() => allocatePort(l, { host: 'h1', workload: 'd/b', name: 'x', protocol: 'tcp', preferred: 30001 }, { now: 2, range, busy: new Set([30001]) }))).toBe('KH-PORT-001');
    const skipped = allocatePort(l, { host: 'h1', workload: 'd/b', name: 'x', protocol: 'tcp' }, { now: 2, range, busy: new Set([30000, 30001]) });
    expect(skipped.reservation.port).toBe(30002);
    const tiny = { min: 40000, max: 40000 };
    const full = allocatePort(emptyLedger(), { host: 'h1', workload: 'd/a', name: 'a', protocol: 'tcp' }, { now: 1, range: tiny }).ledger;
    expect(codeOf(() => allocatePort(full, { host: 'h1', workload: 'd/b', name: 'a', protocol: 'tcp' }, { now: 1, range: tiny }))).toBe('KH-PORT-002');
    expect(codeOf(() => allocatePort(full, { host: '', workload: 'd/b', name: 'a', protocol: 'tcp' }, { now: 1, range }))).toBe('KH-PORT-003');
    expect(codeOf(() => allocatePort(full, { host: 'h', workload: 'd/b', name: 'a', protocol: 'tcp' }, { now: 1, range: { min: 5, max: 1 } }))).toBe('KH-PORT-003');
  });

  it('moving a workload port to a new preferred number frees the old one', () => {
    const a = allocatePort(emptyLedger(), { host: 'h1', workload: 'd/a', name: 'http', protocol: 'tcp' }, { now: 1, range });
    const moved = allocatePort(a.ledger, { host: 'h1', workload: 'd/a', name: 'http', protocol: 'tcp', preferred: 30007 }, { now: 2, range });
    expect(all(moved.ledger).map((r) => r.port)).toEqual([30007]);
  });

  it('property: any sequence of allocations and releases keeps the invariants', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => checkInvariants(apply(ops))),
      { numRuns: 200 },
    );
  });
});

describe('mergeLedgers (replicas that diverged during a partition)', () => {
  const diverged = fc.tuple(fc.array(opArb, { maxLength: 15 }), fc.array(opArb, { maxLength: 15 }), fc.array(opArb, { maxLength: 15 }));

  it('property: the merge holds no port twice and no workload port twice; winners + losers = union', () => {
    fc.assert(
      fc.property(diverged, ([common, left, right]) => {
        const base = apply(common);
        const a = apply(left, base, 100);
        const b = apply(right, base, 200);
        const { ledger, losers } = mergeLedgers(a, b);
        checkInvariants(ledger);
        const key = (r: PortReservation): string => JSON.stringify([r.host, r.protocol, r.port, r.workload, r.name, r.reservedAt]);
        const union = new Set([...all(a), ...all(b)].map(key));
        const out = [...all(ledger), ...losers].map(key);
        expect(new Set(out)).toEqual(union);
        expect(out.length).toBe(union.size);
      }),
      { numRuns: 150 },
    );
  });

  it('property: the merge is commutative and idempotent', () => {
    fc.assert(
      fc.property(diverged, ([common, left, right]) => {
        const base = apply(common);
        const a = apply(left, base, 100);
        const b = apply(right, base, 200);
        const ab = mergeLedgers(a, b);
        const ba = mergeLedgers(b, a);
        expect(ab.ledger).toEqual(ba.ledger);
        expect(mergeLedgers(ab.ledger, ab.ledger).ledger).toEqual(ab.ledger);
        expect(mergeLedgers(ab.ledger).losers).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('the older reservation wins a clash; the loser is reported for re-allocation', () => {
    const older = allocatePort(emptyLedger(), { host: 'h1', workload: 'd/a', name: 'http', protocol: 'tcp', preferred: 30003 }, { now: 10, range }).ledger;
    const newer = allocatePort(emptyLedger(), { host: 'h1', workload: 'd/b', name: 'http', protocol: 'tcp', preferred: 30003 }, { now: 20, range }).ledger;
    const { ledger, losers } = mergeLedgers(newer, older);
    expect(all(ledger).map((r) => r.workload)).toEqual(['d/a']);
    expect(losers.map((r) => r.workload)).toEqual(['d/b']);
  });
});

describe('resolveEndpoint', () => {
  it('gives the other end of a connection the host address and port', () => {
    const l = allocatePort(emptyLedger(), { host: 'h2', workload: 'd/db', name: 'sql', protocol: 'tcp' }, { now: 1, range }).ledger;
    expect(resolveEndpoint(l, 'd/db', 'sql', (h) => (h === 'h2' ? '10.0.0.2' : undefined))).toEqual({ host: 'h2', address: '10.0.0.2', port: 30000, protocol: 'tcp' });
    expect(codeOf(() => resolveEndpoint(l, 'd/db', 'nope', () => 'x'))).toBe('KH-PORT-005');
    expect(codeOf(() => resolveEndpoint(l, 'd/db', 'sql', () => undefined))).toBe('KH-PORT-005');
  });
});
