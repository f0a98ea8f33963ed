/**
 * Which request an entry belongs to (pure): the request in effect at that point of the causal
 * order, the first one for what was written before it, or the node's newer spec generation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withGenerations } from '../../../agent/deployment-history.js';
import type { HistoryEntry } from '../../../store/index.js';

const entry = (order: number, changes: HistoryEntry['changes'] = [{ field: 'status', new: 'started' }]): HistoryEntry => ({ actor: 'x', host: 'h', at: order, fields: changes.map((c) => c.field), hash: `c${order}`, seq: order, order, changes });

describe('withGenerations', () => {
  it('an update writes the spec before the request: the spec generation wins', () => {
    const requests = [{ order: 2, generation: 1 }, { order: 6, generation: 2 }];
    const out = withGenerations('web', 'nodes/db', [entry(1), entry(3), entry(5, [{ field: 'metadata:khutulun:generation', old: 1, new: 2 }]), entry(7)], requests);
    expect(out.map((r) => r.generation)).toEqual([1, 1, 2, 2]);
  });

  it('property: generations never decrease along the causal order and stay within the requests', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 30 }), fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 10 }), (entryOrders, requestOrders) => {
        const requests = [...requestOrders].sort((a, b) => a - b).map((order, i) => ({ order, generation: i + 1 }));
        const out = withGenerations('web', 'nodes/n', entryOrders.map((o) => entry(o)), requests);
        const gens = out.map((r) => r.generation);
        expect(gens).toEqual([...gens].sort((a, b) => a - b));
        expect(gens.every((g) => g >= 1 && g <= requests.length)).toBe(true);
      }),
    );
  });
});
