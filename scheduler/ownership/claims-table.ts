/**
 * Writes to one vertex's claim map. These functions mutate the map they are given, which is meant
 * to be an Automerge proxy inside `change()` (or a plain object in tests); they read no clock.
 *
 * The rules that make the merge safe:
 * - a new claim always gets an epoch above every epoch its writer has seen;
 * - a replacement deletes the claim it replaces: if that owner is really gone the delete survives
 *   the merge; if the owner lived on cut off, it re-puts (`renewClaim`) its claim, and a put wins
 *   over a concurrent delete in Automerge, so reconcile sees both copies and applies its mode.
 */
import type { HostId } from '../ids.js';
import { claimKey, maxEpoch, resolveOwner } from './owner-claim.js';
import type { OwnerClaim, ReconcileMode } from './owner-claim.js';

export type ClaimMap = Record<string, OwnerClaim>;

/** First placement (or an explicit move by a scheduler that sees a quorum). */
export function writeClaim(
  claims: ClaimMap,
  host: HostId,
  decidedBy: HostId,
  reason: OwnerClaim['reason'] = 'place',
  score?: number,
): OwnerClaim {
  const claim: OwnerClaim = { host, epoch: maxEpoch(Object.values(claims)) + 1, decidedBy, reason, ...(score !== undefined ? { score } : {}) };
  claims[claimKey(claim)] = claim;
  return claim;
}

/** Moves ownership away from the current owner (its host is lost and the policy says replace). */
export function replaceOwner(
  claims: ClaimMap,
  reconcile: ReconcileMode,
  host: HostId,
  decidedBy: HostId,
  score?: number,
): OwnerClaim {
  const current = resolveOwner(Object.values(claims), reconcile);
  const claim: OwnerClaim = {
    host,
    epoch: maxEpoch(Object.values(claims)) + 1,
    decidedBy,
    reason: 'replace',
    ...(current ? { replaces: { host: current.host, epoch: current.epoch } } : {}),
    ...(score !== undefined ? { score } : {}),
  };
  if (current) delete claims[claimKey(current)];
  claims[claimKey(claim)] = claim;
  return claim;
}

/**
 * Re-puts `self`'s own claims as fresh values. A host calls this once when it loses sight of a
 * quorum, so that a concurrent delete by a replacing scheduler cannot erase a claim whose owner
 * is alive.
 */
export function renewClaim(claims: ClaimMap, self: HostId): boolean {
  let renewed = false;
  for (const [key, c] of Object.entries(claims)) {
    if (c.host !== self) continue;
    // A fresh object (not the proxy) so Automerge records a new put, not a no-op.
    claims[key] = JSON.parse(JSON.stringify(c)) as OwnerClaim;
    renewed = true;
  }
  return renewed;
}

/** Deletes every claim but the resolved owner's (a quorum leader does this after a heal). */
export function compactClaims(claims: ClaimMap, reconcile: ReconcileMode): OwnerClaim | undefined {
  const owner = resolveOwner(Object.values(claims), reconcile);
  if (!owner) return undefined;
  const keep = claimKey(owner);
  for (const key of Object.keys(claims)) if (key !== keep) delete claims[key];
  return owner;
}
