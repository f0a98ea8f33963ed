/**
 * The disconnect policy, in Nomad's vocabulary (`disconnect {}` block):
 * - lostAfterMs: silence after which a host counts as lost (before that it is only disconnected);
 * - replace: whether a quorum may re-place the work of a lost host elsewhere;
 * - reconcile: which copy wins when the original comes back (see owner-claim.ts);
 * - stopOnClientAfterMs: a host that has not seen a quorum for this long stops its own work
 *   (null = never, the edge default: a cut-off site keeps running).
 * Defaults never move work on silence alone.
 */
import { KhutulunError } from '../../common/index.js';
import type { ReconcileMode } from './owner-claim.js';

export interface DisconnectPolicy {
  /** Silence after which a peer counts as disconnected (missed heartbeats). */
  readonly graceMs: number;
  readonly lostAfterMs: number;
  readonly replace: boolean;
  readonly reconcile: ReconcileMode;
  readonly stopOnClientAfterMs: number | null;
}

export const DEFAULT_DISCONNECT_POLICY: DisconnectPolicy = Object.freeze({
  graceMs: 15_000,
  lostAfterMs: 300_000,
  replace: false,
  reconcile: 'best-score',
  stopOnClientAfterMs: null,
});

function bad(field: string, message: string): never {
  throw new KhutulunError('KH-SCHED-021', `disconnect policy: ${field} ${message}`, {
    hint: 'graceMs <= lostAfterMs (ms, >= 0), replace true/false, reconcile keep-original|keep-replacement|best-score, stopOnClientAfterMs null or ms >= 0',
    details: { field },
  });
}

/** Fills defaults and checks a policy that came from TOSCA, the API or a file. */
export function disconnectPolicy(input: Partial<DisconnectPolicy> = {}): DisconnectPolicy {
  const p: DisconnectPolicy = { ...DEFAULT_DISCONNECT_POLICY, ...input };
  const ms = (f: 'graceMs' | 'lostAfterMs', v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(f, 'must be a number of milliseconds >= 0');
  };
  ms('graceMs', p.graceMs);
  ms('lostAfterMs', p.lostAfterMs);
  if (p.graceMs > p.lostAfterMs) bad('graceMs', 'must not exceed lostAfterMs');
  if (typeof p.replace !== 'boolean') bad('replace', 'must be true or false');
  if (!['keep-original', 'keep-replacement', 'best-score'].includes(p.reconcile)) bad('reconcile', `is ${JSON.stringify(p.reconcile)}`);
  if (p.stopOnClientAfterMs !== null && (typeof p.stopOnClientAfterMs !== 'number' || !(p.stopOnClientAfterMs >= 0))) {
    bad('stopOnClientAfterMs', 'must be null (never) or a number of milliseconds >= 0');
  }
  return Object.freeze(p);
}

/**
 * True when the policy guarantees that a workload never runs on two hosts at once: the cut-off
 * owner stops itself no later than the moment the others may count it lost and replace it.
 */
export function excludesDoubleRun(p: DisconnectPolicy): boolean {
  return !p.replace || (p.stopOnClientAfterMs !== null && p.stopOnClientAfterMs <= p.lostAfterMs - p.graceMs);
}
