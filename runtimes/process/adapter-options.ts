/** Options of the bare-process runtime adapter. */
import type { Clock, Logger } from '../../common/index.js';
import type { LogRotationConfig } from './log-rotation.js';
import type { BackoffConfig } from './restart-policy.js';
import type { TreeTracking } from './start-process.js';

export interface ProcessAdapterOptions {
  /** Where state files, and by default workload directories, live. Survives agent restarts. */
  stateDir: string;
  /** Drives restart backoff and the supervision tick. */
  clock?: Clock;
  logger?: Logger;
  backoff?: BackoffConfig;
  logRotation?: LogRotationConfig;
  /** How often re-attached processes are checked and logs rotated (default 1000 ms). */
  pollIntervalMs?: number;
  /** Used when a spec has no stopTimeoutMs (default 10 s). */
  defaultStopTimeoutMs?: number;
  /** `off` never touches cgroups (then limits are refused). Default `auto`. */
  cgroups?: 'auto' | 'off';
  /** Override of the cgroup mount root (tests point it at a scratch tree). */
  cgroupRoot?: string;
  /**
   * How the process tree is tracked for stop/kill when no limits are requested:
   * `cgroup` (default) — a v2 group joined right after spawn (cheap; a child forked and setsid'd
   * within the first moment escapes it), `cgroup-strict` — joined before exec through a wrapper
   * (exact, one extra exec), `process-group` — no cgroup. Limits always use the strict way.
   */
  treeTracking?: TreeTracking;
}
