/**
 * The workflow step order (agent/workflow-run.ts stepOrder), property-tested: on random step graphs
 * (acyclic on_success/on_failure links) with random outcomes, driving the order to its end leaves
 * every step succeeded, failed or skipped; a step runs only after all its predecessors ended, and
 * exactly when one of its links chose it (or it has none).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepOrder } from '../../../agent/index.js';
import type { StepState } from '../../../agent/index.js';

interface Step {
  name: string;
  onSuccess: string[];
  onFailure: string[];
}

/** Steps s0..sN-1 with links only forward (i -> j > i): acyclic by construction. */
const workflows = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.tuple(
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.boolean()), { maxLength: 14 }),
    fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  ).map(([links, outcomes]) => {
    const steps: Step[] = Array.from({ length: n }, (_, i) => ({ name: `s${i}`, onSuccess: [], onFailure: [] }));
    for (const [a, b, success] of links) {
      if (a >= b) continue;
      const list = success ? steps[a]!.onSuccess : steps[a]!.onFailure;
      if (!list.includes(`s${b}`)) list.push(`s${b}`);
    }
    return { steps, outcomes };
  }),
);

describe('workflow step order', () => {
  it('runs each step after all its predecessors, exactly when a link chose it', () => {
    fc.assert(
      fc.property(workflows, ({ steps, outcomes }) => {
        const state = new Map<string, StepState>();
        const ranAt = new Map<string, number>();
        const endedAt = new Map<string, number>();
        let tick = 0;
        for (let round = 0; round < 50; round++) {
          const { ready, skip } = stepOrder(steps, state);
          for (const s of skip) {
            state.set(s, 'skipped');
            endedAt.set(s, tick++);
          }
          if (ready.length === 0 && skip.length === 0) break;
          for (const s of ready) {
            ranAt.set(s, tick++);
            state.set(s, outcomes[Number(s.slice(1))] ? 'succeeded' : 'failed');
            endedAt.set(s, tick++);
          }
        }
        for (const s of steps) {
          const final = state.get(s.name);
          expect(final === 'succeeded' || final === 'failed' || final === 'skipped').toBe(true);
          const preds = steps.flatMap((p) => [
            ...(p.onSuccess.includes(s.name) ? [{ from: p.name, on: 'succeeded' }] : []),
            ...(p.onFailure.includes(s.name) ? [{ from: p.name, on: 'failed' }] : []),
          ]);
          const chosen = preds.length === 0 || preds.some((l) => state.get(l.from) === l.on);
          expect(final !== 'skipped').toBe(chosen);
          if (ranAt.has(s.name)) for (const l of preds) expect(endedAt.get(l.from)!).toBeLessThan(ranAt.get(s.name)!);
        }
      }),
      { numRuns: 400 },
    );
  });
});
