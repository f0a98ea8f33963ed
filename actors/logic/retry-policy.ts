/** Supervision: how often and how fast a failed operation is retried before the actor gives up. */

export interface RetryPolicy {
  /** Total attempts per operation step, the first included (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0..1: share of the delay that is randomised (spreads retries of many actors apart). */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 10_000, jitter: 0.3 };

/**
 * Exponential backoff for the given failed attempt (1-based). `random` is in [0,1) and injected,
 * so the delay is reproducible in tests.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(exp * (1 - jitter) + exp * jitter * random);
}
