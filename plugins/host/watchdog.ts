/**
 * Cuts a task whose current call is stuck. The worker bumps a shared counter before each call;
 * the watchdog checks it every quarter timeout and fires when it has not moved for a full one.
 * Loading (counter still 0) gets its own, longer budget; a task still queued gets none.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { PROGRESS_BEGUN, PROGRESS_STARTED } from './wire.js';

export interface WatchOptions {
  clock: Clock;
  /** Shared progress slots; undefined = a task without calls (describe): only the load budget. */
  progress: Int32Array | undefined;
  callTimeoutMs: number;
  loadTimeoutMs: number;
  onStuck: () => void;
}

export function watchProgress(options: WatchOptions): { stop(): void } {
  const { clock, progress, callTimeoutMs, loadTimeoutMs, onStuck } = options;
  const tick = Math.max(5, Math.floor(Math.min(callTimeoutMs, loadTimeoutMs) / 4));
  let seen = progress ? Atomics.load(progress, PROGRESS_STARTED) : 0;
  let since = clock.now();
  let timer: TimerHandle | undefined;
  let stopped = false;
  const check = (): void => {
    if (stopped) return;
    const now = clock.now();
    const current = progress ? Atomics.load(progress, PROGRESS_STARTED) : 0;
    if (progress && Atomics.load(progress, PROGRESS_BEGUN) === 0) {
      // Still queued: the budget starts when a worker picks the task up.
      since = now;
      timer = clock.setTimeout(check, tick);
      return;
    }
    if (current !== seen) {
      seen = current;
      since = now;
    }
    const budget = current === 0 ? loadTimeoutMs : callTimeoutMs;
    if (now - since >= budget) {
      stopped = true;
      onStuck();
      return;
    }
    timer = clock.setTimeout(check, tick);
  };
  timer = clock.setTimeout(check, tick);
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
