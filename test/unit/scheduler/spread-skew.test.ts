/**
 * Spread with max_skew (a hard rule when the policy is required): property-tested on random
 * clusters — with room enough, every member is placed and the member counts of any two label
 * values differ by at most max_skew; where hosts cannot hold that, the rest is unplaced with a
 * reason naming the policy, never placed in violation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../../scheduler/index.js';
import type { PlacementPolicy } from '../../../scheduler/index.js';
import { host, vertex, vid } from './fixtures.js';

const scheduler = createScheduler();

function counts(placements: ReadonlyMap<string, readonly string[]>, zoneOf: (h: string) => string | undefined, zones: readonly string[]): number[] {
  const c = new Map(zones.map((z) => [z, 0]));
  for (const [, hs] of placements) for (const h of hs) c.set(zoneOf(h)!, (c.get(zoneOf(h)!) ?? 0) + 1);
  return [...c.values()];
}

describe('spread with max_skew', () => {
  it('keeps every label value within max_skew of the least used one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }), // the zone of each host
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        (zoneIdx, members, maxSkew) => {
          const hosts = zoneIdx.map((z, i) => host(`h${i}`, { labels: { zone: `z${z}` }, cpu: 1_000_000 }));
          const zoneOf = (h: string): string | undefined => hosts.find((x) => x.id === h)?.labels['zone'];
          const zones = [...new Set(zoneIdx.map((z) => `z${z}`))];
          const ids = Array.from({ length: members }, (_, i) => `m${i}`);
          const policies: PlacementPolicy[] = [{ name: 'even', kind: 'spread', label: 'zone', maxSkew, members: ids.map((i) => vid(i)) }];
          const plan = scheduler.schedule({ hosts, vertexes: ids.map((i) => vertex(i, { cpu: 1 })), policies });
          expect(plan.unplaced).toEqual([]);
          const c = counts(plan.placements, zoneOf, zones);
          expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(maxSkew);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves members unplaced, naming the policy, rather than break max_skew', () => {
    // Zone a has room for 3, zone b for 1: with max_skew 1, a takes at most 2.
    const hosts = [host('a1', { labels: { zone: 'a' }, cpu: 3000 }), host('b1', { labels: { zone: 'b' }, cpu: 1000 })];
    const ids = ['m0', 'm1', 'm2', 'm3'];
    const plan = scheduler.schedule({
      hosts,
      vertexes: ids.map((i) => vertex(i, { cpu: 1000 })),
      policies: [{ name: 'even', kind: 'spread', label: 'zone', maxSkew: 1, members: ids.map((i) => vid(i)) }],
    });
    const placed = [...plan.placements.values()].flat();
    expect(placed.filter((h) => h === 'a1')).toHaveLength(2);
    expect(placed.filter((h) => h === 'b1')).toHaveLength(1);
    expect(plan.unplaced).toHaveLength(1);
    expect(plan.unplaced[0]!.reasons.map((r) => r.message).join(' ')).toContain('spread policy even');
    // Without max_skew (a preference), the same cluster takes all four.
    const soft = scheduler.schedule({
      hosts,
      vertexes: ids.map((i) => vertex(i, { cpu: 1000 })),
      policies: [{ name: 'even', kind: 'spread', label: 'zone', members: ids.map((i) => vid(i)) }],
    });
    expect(soft.unplaced).toEqual([]);
  });
});
