/**
 * The Scheduler facade: validates the input into a State and runs the Planner. It performs no
 * I/O; the caller (the writer of the cluster document) commits the Plan it returns, or drops it
 * when the document moved on meanwhile (optimistic concurrency: re-plan from the new snapshot).
 */
import { KhutulunError } from '../common/index.js';
import type { Plan } from './plan.js';
import { plan } from './planner.js';
import type { PlacementStrategy, PlannerOptions } from './planner.js';
import { buildState } from './state.js';
import type { SchedulerState, SchedulerStateInput } from './state.js';

export interface Scheduler {
  /** Validates the snapshot once (throws KhutulunError KH-SCHED-0xx on bad input). */
  state(input: SchedulerStateInput): SchedulerState;
  /** Plans from a validated state or from raw input. */
  schedule(input: SchedulerState | SchedulerStateInput): Plan;
}

export interface SchedulerOptions {
  readonly strategy?: PlacementStrategy;
}

export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const strategy = options.strategy ?? 'spread';
  if (strategy !== 'spread' && strategy !== 'binpack') {
    throw new KhutulunError('KH-SCHED-015', `unknown placement strategy ${JSON.stringify(strategy)}`, {
      hint: 'use "spread" (least loaded host first) or "binpack" (fullest host that fits first)',
    });
  }
  const plannerOptions: PlannerOptions = { strategy };
  return {
    state: buildState,
    schedule(input) {
      const state = isState(input) ? input : buildState(input);
      return plan(state, plannerOptions);
    },
  };
}

function isState(input: SchedulerState | SchedulerStateInput): input is SchedulerState {
  return 'hostIndex' in input && input.hostIndex instanceof Map;
}
