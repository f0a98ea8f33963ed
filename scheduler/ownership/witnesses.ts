/**
 * Fenced mode (replace + stop-on-client-after) starts a vertex only once a strict majority of the
 * cluster's members acknowledged its owner's claim (decide.ts). Only hosts that take part in a
 * deployment publish reports on it, so a deployment whose participants are a minority (one host
 * owns everything) could never start. The fix is witnesses: hosts that take part without owning
 * anything, just enough of them that the reachable participants are a strict majority.
 */
import type { HostId } from '../ids.js';

/**
 * The reachable members to add as witnesses of a deployment, by id, until its reachable
 * participants are a strict majority of the members (as many as there are when a partition leaves
 * too few). A participant that cannot be reached does not count: it cannot ack now (a host cut
 * off just after it was chosen would otherwise hold the deployment back until the heal).
 */
export function missingWitnesses(members: readonly HostId[], reachable: readonly HostId[], participants: readonly HostId[]): HostId[] {
  const taking = new Set(participants.filter((p) => members.includes(p)));
  const up = new Set(reachable.filter((r) => members.includes(r)));
  const need = Math.floor(members.length / 2) + 1 - [...taking].filter((p) => up.has(p)).length;
  if (need <= 0) return [];
  return [...up]
    .filter((m) => !taking.has(m))
    .sort()
    .slice(0, need);
}
