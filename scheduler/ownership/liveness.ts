/**
 * How one host sees the others, from its own heartbeat record: pure functions of (view, now).
 * The asymmetry that matters: a host that cannot see a quorum must doubt ITSELF, not the fleet.
 */
import type { HostStatus } from '../host.js';
import type { HostId } from '../ids.js';
import type { DisconnectPolicy } from './disconnect-policy.js';

export interface HostView {
  readonly self: HostId;
  readonly now: number;
  /** Every member of the cluster (self included), from the cluster document. */
  readonly members: readonly HostId[];
  /** When self last heard from each other member (absent = never since self started). */
  readonly lastHeard: ReadonlyMap<HostId, number>;
  /** When self started (a peer never heard from counts as silent since then). */
  readonly startedAt: number;
  readonly policy: DisconnectPolicy;
}

export function peerStatus(view: HostView, peer: HostId): HostStatus {
  if (peer === view.self) return 'ready';
  const silent = view.now - (view.lastHeard.get(peer) ?? view.startedAt);
  if (silent < view.policy.graceMs) return 'ready';
  if (silent < view.policy.lostAfterMs) return 'disconnected';
  return 'lost';
}

/** Members self currently hears (itself included), sorted. */
export function reachable(view: HostView): HostId[] {
  return view.members.filter((m) => peerStatus(view, m) === 'ready').sort();
}

/** A strict majority of the members, self included, is reachable. */
export function seesQuorum(view: HostView): boolean {
  return reachable(view).length * 2 > view.members.length;
}

/**
 * The one host of a quorum side that may re-place others' work: the lowest reachable id. A host
 * without a quorum is never a leader, so losing its own uplink never makes it evict anyone.
 */
export function isLeader(view: HostView): boolean {
  return seesQuorum(view) && reachable(view)[0] === view.self;
}

/** Hosts self may declare lost (and whose work it may re-place if the policy allows). */
export function lostPeers(view: HostView): HostId[] {
  if (!isLeader(view)) return [];
  return view.members.filter((m) => m !== view.self && peerStatus(view, m) === 'lost').sort();
}
