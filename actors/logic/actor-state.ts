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
}

export function initialActorState(at: number): ActorState {
  return { phase: 'initial', stable: 'initial', reason: 'created', at, restarts: 0 };
}

/** True while an operation runs or waits for a retry. */
export function isBusy(state: ActorState): boolean {
  return state.inFlight !== undefined || state.retry !== undefined;
}
