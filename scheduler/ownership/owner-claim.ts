/**
 * Owner claims and THE merge rule that turns any set of claims into exactly one owner.
 *
 * Claims of a vertex live in a map keyed by `claimKey` (epoch and host), so concurrent writers from
 * two sides of a partition never overwrite each other: after a merge both claims are visible and
 * every replica applies the same pure `resolveOwner` to the same set, hence picks the same owner.
 */
import { KhutulunError } from '../../common/index.js';
import type { HostId } from '../ids.js';
import { parseHostId } from '../ids.js';

export type ClaimReason = 'place' | 'replace' | 'reconcile';

/** Which copy wins when a replacement meets its still-living original (Nomad's `reconcile`). */
export type ReconcileMode = 'keep-original' | 'keep-replacement' | 'best-score';

export interface OwnerClaim {
  readonly host: HostId;
  /** Strictly greater than every epoch its writer had seen for this vertex. */
  readonly epoch: number;
  /** The host whose scheduler wrote the claim. */
  readonly decidedBy: HostId;
  readonly reason: ClaimReason;
  /** The claim this one takes over from (set on replacements). */
  readonly replaces?: { readonly host: HostId; readonly epoch: number };
  /** Placement score at decision time (higher is better), used by `best-score`. */
  readonly score?: number;
}

/** Zero-padded so that keys sort by epoch as strings too. */
export function claimKey(claim: { readonly epoch: number; readonly host: string }): string {
  return `${String(claim.epoch).padStart(10, '0')}:${claim.host}`;
}

export function validateClaim(value: unknown): OwnerClaim {
  const c = value as Partial<OwnerClaim> | null;
  if (typeof c !== 'object' || c === null || !Number.isSafeInteger(c.epoch) || (c.epoch ?? -1) < 0) {
    throw new KhutulunError('KH-SCHED-020', 'malformed owner claim', {
      hint: 'an owner claim is {host, epoch (integer >= 0), decidedBy, reason}; rewrite it through the scheduler',
      details: { value: JSON.stringify(value)?.slice(0, 200) ?? String(value) },
    });
  }
  parseHostId(c.host);
  parseHostId(c.decidedBy);
  if (c.reason !== 'place' && c.reason !== 'replace' && c.reason !== 'reconcile') {
    throw new KhutulunError('KH-SCHED-020', `owner claim has unknown reason ${JSON.stringify(c.reason)}`, {
      hint: 'use place, replace or reconcile',
    });
  }
  return c as OwnerClaim;
}

function higher(a: OwnerClaim, b: OwnerClaim): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  if (a.host !== b.host) return a.host > b.host;
  return a.decidedBy > b.decidedBy;
}

/**
 * The one owner of a vertex given all visible claims (undefined when there are none).
 * 1. A replacement and the claim it replaces, when both are present, are a reconnect conflict:
 *    keep-replacement drops the original, keep-original drops the replacement, best-score drops
 *    the lower score (a tie keeps the original). The claim with the best (score, -epoch) in such a
 *    chain is never dropped, so something always survives.
 * 2. Among the survivors the highest (epoch, host, decidedBy) wins.
 */
export function resolveOwner(claims: Iterable<OwnerClaim>, reconcile: ReconcileMode): OwnerClaim | undefined {
  const all = [...claims];
  if (all.length <= 1) return all[0];
  const byKey = new Map(all.map((c) => [claimKey(c), c]));
  const dropped = new Set<string>();
  for (const x of all) {
    if (x.replaces === undefined) continue;
    const y = byKey.get(claimKey(x.replaces));
    if (y === undefined) continue;
    const original = reconcile === 'keep-original' || (reconcile === 'best-score' && (x.score ?? 0) <= (y.score ?? 0));
    dropped.add(original ? claimKey(x) : claimKey(y));
  }
  let best: OwnerClaim | undefined;
  for (const c of all) {
    if (dropped.has(claimKey(c))) continue;
    if (best === undefined || higher(c, best)) best = c;
  }
  return best;
}

/** The highest epoch among claims (0 when none): a new claim must use a greater one. */
export function maxEpoch(claims: Iterable<OwnerClaim>): number {
  let max = 0;
  for (const c of claims) if (c.epoch > max) max = c.epoch;
  return max;
}
