/**
 * Failed authentications are counted per client address: past `limit` failures within `windowMs`
 * further failures from it get `429 KH-AGENT-025` with Retry-After instead of 401 and a log line,
 * until the window has passed. A request with a valid credential is never throttled (clients on
 * one host share 127.0.0.1). Tokens are 256-bit and compared by digest, so this is not what stops
 * guessing; it keeps a misconfigured client or a scanner from flooding the log. Memory is bounded
 * (the addresses that failed longest ago are forgotten first).
 */
import type { Clock } from '../common/index.js';

export interface AuthThrottleOptions {
  /** Failures allowed per address in the window (default 120: a client probing every route without a token stays under it). */
  readonly limit?: number;
  readonly windowMs?: number;
  /** Addresses remembered at most (default 10,000). */
  readonly maxAddresses?: number;
  readonly clock: Clock;
}

export class AuthThrottle {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #max: number;
  readonly #clock: Clock;
  /** address -> failure times in the window (oldest first). */
  readonly #failures = new Map<string, number[]>();

  constructor(o: AuthThrottleOptions) {
    this.#limit = o.limit ?? 120;
    this.#windowMs = o.windowMs ?? 60_000;
    this.#max = o.maxAddresses ?? 10_000;
    this.#clock = o.clock;
  }

  /** Seconds until `address` may try again, or undefined when it may now. */
  blocked(address: string): number | undefined {
    const times = this.#recent(address);
    if (times.length < this.#limit) return undefined;
    return Math.max(1, Math.ceil((times[0]! + this.#windowMs - this.#clock.now()) / 1000));
  }

  failed(address: string): void {
    const times = this.#recent(address);
    times.push(this.#clock.now());
    this.#failures.delete(address); // re-inserted last: the map's order is least recently failed first
    this.#failures.set(address, times);
    while (this.#failures.size > this.#max) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  #recent(address: string): number[] {
    const since = this.#clock.now() - this.#windowMs;
    const times = (this.#failures.get(address) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#failures.delete(address);
    else this.#failures.set(address, times);
    return times;
  }
}
