/**
 * How one host sees the others, from its own heartbeat record: pure functions of (view, now).
 * The asymmetry that matters: a host that cannot see a quorum must doubt ITSELF, not the fleet.
 */
import type { HostStatus } from '../host.js';
import type { HostId } from '../ids.js';
import type { DisconnectPolicy } from './disconnect-policy.js';

export interface LivenessView {
  readonly self: HostId;
  readonly now: number;
  /** Every member of the cluster (self included), from the cluster document. */
  readonly members: readonly HostId[];
  /** When self last heard from each other member (absent = never since self started). */
  readonly lastHeard: ReadonlyMap<HostId, number>;
  /** When self started: a peer not heard from since then is not ready, and lost lostAfterMs later. */
  readonly startedAt: number;
  readonly policy: DisconnectPolicy;
}

export function peerStatus(view: LivenessView, peer: HostId): HostStatus {
  if (peer === view.self) return 'ready';
  const heard = view.lastHeard.get(peer);
  // Never heard since start: unknown, so not ready (a restarted host must not assume a quorum).
  const silent = view.now - (heard ?? view.startedAt);
  if (heard !== undefined && silent < view.policy.graceMs) return 'ready';
  if (silent < view.policy.lostAfterMs) return 'disconnected';
  return 'lost';
}

/** Members self currently hears (itself included), sorted. */
export function reachable(view: LivenessView): HostId[] {
  return view.members.filter((m) => peerStatus(view, m) === 'ready').sort();
}

/** A strict majority of the members, self included, is reachable. */
export function seesQuorum(view: LivenessView): boolean {
  return reachable(view).length * 2 > view.members.length;
}

/**
 * The one host of a quorum side that may re-place others' work: the lowest reachable id. A host
 * without a quorum is never a leader, so losing its own uplink never makes it evict anyone.
 */
export function isLeader(view: LivenessView): boolean {
  return seesQuorum(view) && reachable(view)[0] === view.self;
}

/** Hosts self may declare lost (and whose work it may re-place if the policy allows). */
export function lostPeers(view: LivenessView): HostId[] {
  if (!isLeader(view)) return [];
  return view.members.filter((m) => m !== view.self && peerStatus(view, m) === 'lost').sort();
}
