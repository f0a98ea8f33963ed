/**
 * Fenced mode (replace + stop-on-client-after) starts a vertex only once a strict majority of the
 * cluster's members acknowledged its owner's claim (decide.ts). Only hosts that take part in a
 * deployment publish reports on it, so a deployment whose participants are a minority (one host
 * owns everything) could never start. The fix is witnesses: hosts that take part without owning
 * anything, just enough of them that the participants are a strict majority of the members.
 */
import type { HostId } from '../ids.js';

/**
 * The hosts to add as witnesses of a deployment (empty when its participants already are a strict
 * majority of the members): reachable members first, then the others, each group by id, so every
 * host computes the same list from the same view.
 */
export function missingWitnesses(members: readonly HostId[], reachable: readonly HostId[], participants: readonly HostId[]): HostId[] {
  const taking = new Set(participants.filter((p) => members.includes(p)));
  const need = Math.floor(members.length / 2) + 1 - taking.size;
  if (need <= 0) return [];
  const up = new Set(reachable);
  const candidates = members
    .filter((m) => !taking.has(m))
    .sort((a, b) => Number(up.has(b)) - Number(up.has(a)) || (a < b ? -1 : a > b ? 1 : 0));
  return candidates.slice(0, need);
}
