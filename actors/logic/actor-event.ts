/** Events an actor reacts to. Plain data, so they can be logged, replayed and property-tested. */
import type { ErrorData } from '../../common/index.js';
import type { WorkloadState } from '../../runtimes/workload.js';
import type { Operation } from './lifecycle.js';

export type ActorEvent =
  /**
   * Bring the vertex up to `started`, running the spec of `generation` (Day 2: a started vertex
   * whose spec generation is older runs configure and start again, and the runtime replaces a
   * workload whose spec changed). Absent = whatever generation it was last asked for.
   */
  | { type: 'deploy'; generation?: number }
  /** Take the vertex down to `deleted`. */
  | { type: 'undeploy' }
  | { type: 'operation-succeeded'; op: Operation; step: number; observed?: WorkloadState }
  | { type: 'operation-failed'; op: Operation; step: number; error: ErrorData }
  /** The backoff of a failed step expired. */
  | { type: 'retry-due' }
  /** The runtime reported the state of the workload (exit, crash, restart by the runtime itself). */
  | { type: 'runtime-observed'; state: WorkloadState; cause?: ErrorData }
  /** Clear an error and try again from the last stable phase (user or controller request). */
  | { type: 'restart' }
  /** The host restarted and restored this actor from its stored state. */
  | { type: 'resumed' };

export type ActorEventType = ActorEvent['type'];
