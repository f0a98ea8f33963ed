/**
 * When to restart an exited process and after how long (pure). Backoff doubles per consecutive
 * restart up to a cap; a run that lasted `resetAfterMs` counts as healthy and resets the streak.
 */
import type { RestartPolicy } from '../workload.js';

export interface BackoffConfig {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the backoff streak. */
  resetAfterMs: number;
}

export const defaultBackoff: BackoffConfig = { initialMs: 100, maxMs: 30_000, resetAfterMs: 10_000 };

export interface ExitFacts {
  exitCode?: number;
  signal?: string;
  /** False when the exit code could not be observed (the process was not our child). */
  codeKnown: boolean;
  /** How long the run lasted. */
  ranMs: number;
}

export type RestartDecision = { restart: false } | { restart: true; delayMs: number; streak: number };

/** A clean exit is code 0 with no signal; an unknown code counts as a failure (safer to restart). */
export function isFailure(exit: ExitFacts): boolean {
  if (!exit.codeKnown) return true;
  return exit.signal !== undefined || exit.exitCode !== 0;
}

/**
 * @param streak consecutive quick restarts so far (0 for the first restart)
 */
export function decideRestart(policy: RestartPolicy, exit: ExitFacts, streak: number, backoff: BackoffConfig = defaultBackoff): RestartDecision {
  if (policy === 'never') return { restart: false };
  if (policy === 'on-failure' && !isFailure(exit)) return { restart: false };
  const nextStreak = exit.ranMs >= backoff.resetAfterMs ? 0 : streak;
  const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(nextStreak, 30));
  return { restart: true, delayMs, streak: nextStreak + 1 };
}
