import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActorErrorCode, dependencyWaves } from '../../../actors/index.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../../actors/logic/index.js';

/** Random DAGs: an edge always points from a higher index to a lower one. */
const dag = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 80 }).map((pairs) => pairs.filter(([a, b]) => a !== b).map(([a, b]) => ({ source: `v${Math.max(a, b)}`, target: `v${Math.min(a, b)}` }))),
  }),
);

describe('dependency waves (property)', () => {
  it('place every vertex once, each after everything it requires, as early as possible', () => {
    fc.assert(
      fc.property(dag, ({ n, edges }) => {
        const vertexes = Array.from({ length: n }, (_, i) => `v${i}`);
        const waves = dependencyWaves(vertexes, edges);
        const waveOf = new Map<string, number>();
        waves.forEach((w, i) => w.forEach((v) => waveOf.set(v, i)));
        expect(waveOf.size).toBe(n);
        expect(waves.flat().length).toBe(n);
        for (const e of edges) expect(waveOf.get(e.source)!).toBeGreaterThan(waveOf.get(e.target)!);
        // As early as possible: a vertex in wave k > 0 requires something in wave k-1.
        for (const [v, k] of waveOf) {
          if (k > 0) expect(edges.some((e) => e.source === v && waveOf.get(e.target) === k - 1)).toBe(true);
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('reject any cycle with KH-ACTOR-005 naming its vertexes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), (k) => {
        const vertexes = Array.from({ length: k }, (_, i) => `c${i}`);
        const edges = vertexes.map((v, i) => ({ source: v, target: vertexes[(i + 1) % k]! }));
        expect(() => dependencyWaves([...vertexes, 'free'], edges)).toThrow(expect.objectContaining({ code: ActorErrorCode.cycle }) as Error);
      }),
      { numRuns: 20, seed: 7 },
    );
  });

  it('backoff grows exponentially within [1-jitter, 1] of the step and is capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(DEFAULT_RETRY_POLICY, attempt, r);
        const step = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(Math.floor(step * (1 - DEFAULT_RETRY_POLICY.jitter)));
        expect(d).toBeLessThanOrEqual(step);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
