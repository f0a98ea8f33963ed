/**
 * The persisted state of one vertex actor. It is plain JSON: it is written to the vertex `status`
 * and an actor restored from it resumes where it stopped.
 */
import type { ErrorData } from '../../common/index.js';
import type { WorkloadState } from '../../runtimes/workload.js';
import type { Goal, LifecyclePhase, Operation, StablePhase } from './lifecycle.js';


export interface InFlight {
  op: Operation;
  /** Index of the step of `op` being run (an operation may run several handlers). */
  step: number;
  /** 1-based attempt of this step. */
  attempt: number;
}

export interface ActorState {
  phase: LifecyclePhase;
  /** The last stable phase reached; the actor resumes from here after an error or a restart. */
  stable: StablePhase;
  goal?: Goal;
  /** The operation step currently running (at most one: the actor never runs two at once). */
  inFlight?: InFlight;
  /** A failed step waiting for its backoff to expire before it runs again. */
  retry?: InFlight;
  /** Why the last transition happened, and when (ms since epoch, from the injected Clock). */
  reason: string;
  at: number;
  /**
   * Upper bounds of what may exist in the runtime, kept apart from `stable` (a lower bound): a
   * create or start that failed or was cut by a crash may have half happened. Undeploy cleans up
   * after them (stop and delete are idempotent), so nothing is left orphaned.
   */
  mayExist?: boolean;
  mayRun?: boolean;
  /** The cause of the error phase. */
  error?: ErrorData;
  /** What the runtime last reported for this vertex's workload. */
  observed?: WorkloadState;
  /** How many times supervision restarted a workload the runtime reported dead. */
  restarts: number;
  /**
   * Failures the runtime reported while the node was started (it may restart the workload by its
   * own policy): how many within CRASH_WINDOW_MS of each other, and the last one. A node with
   * two or more is `failing`, never `started` (crashLooping()).
   */
  crash?: { count: number; at: number; last: ErrorData };
  /** The spec generation the workload runs (set when a start succeeds). */
  generation?: number;
  /** The spec generation asked for by the last deploy; above `generation` = an update is due. */
  want?: number;
}

/** Failures further apart than this start a new count. */
export const CRASH_WINDOW_MS = 60_000;

/**
 * True when the workload keeps failing: the runtime reported at least two failures, the last one
 * within CRASH_WINDOW_MS of `now`, or it is down now with a cause.
 */
export function crashLooping(state: ActorState, now: number): boolean {
  const c = state.crash;
  if (!c) return false;
  if (state.observed !== undefined && state.observed !== 'running' && now - c.at < CRASH_WINDOW_MS) return true;
  return c.count >= 2 && now - c.at < CRASH_WINDOW_MS;
}

/** True when a started vertex must run configure + start again for a newer spec generation. */
export function isStale(state: ActorState): boolean {
  return (state.want ?? 0) > (state.generation ?? 0);
}

export function initialActorState(at: number): ActorState {
  return { phase: 'initial', stable: 'initial', reason: 'created', at, restarts: 0 };
}

/** True while an operation runs or waits for a retry. */
export function isBusy(state: ActorState): boolean {
  return state.inFlight !== undefined || state.retry !== undefined;
}
