/** What the pure logic asks the impure actor to do. The actor runs them in order. */
import type { ActorState } from './actor-state.js';
import type { Operation } from './lifecycle.js';

export type ActorEffect =
  /**
   * Run step `step` of `op`: call the plugin handler(s) for the step and apply the plugin's effects
   * (set-property, runtime intents). The outcome comes back as operation-succeeded/failed.
   */
  | { type: 'run-operation'; op: Operation; step: number; attempt: number }
  /** Persist the state to the vertex status; the next effect runs only once it is durable. */
  | { type: 'write-status'; status: ActorState }
  /** `op` has no handler for this vertex: it counts as done without running (for inspection). */
  | { type: 'operation-skipped'; op: Operation }
  /** Deliver `retry-due` after `delayMs`. */
  | { type: 'schedule-retry'; delayMs: number };
