/**
 * What one host does with the vertexes it knows, each tick: a pure function of its view and the
 * merged cluster document. The caller performs the result (start/stop workloads, write claims).
 *
 * - Run a vertex only if the merged claims resolve to self, self may run (see `mayRunOwned`), and
 *   no other host that self cannot yet count as lost still reports running it (a handover waits
 *   for the previous runner to stop, or to be lost and therefore stopped by its own policy).
 * - Stop every running vertex that resolves to another host.
 * - On losing sight of a quorum, renew own claims once (see claims-table.ts).
 */
import type { HostId, VertexId } from '../ids.js';
import { resolveOwner } from './owner-claim.js';
import type { OwnerClaim } from './owner-claim.js';
import { peerStatus, seesQuorum } from './liveness.js';
import type { HostView } from './liveness.js';

export interface VertexOwnershipView {
  readonly vertex: VertexId;
  readonly claims: readonly OwnerClaim[];
  /** Hosts other than self whose last published status says they run this vertex. */
  readonly reportedRunningOn: readonly HostId[];
}

export interface LocalState {
  readonly running: ReadonlySet<VertexId>;
  /** Last time self saw a quorum (undefined: not since it started). */
  readonly lastQuorumAt: number | undefined;
  /** Self already renewed its claims since it last lost sight of a quorum. */
  readonly renewedSinceQuorumLoss: boolean;
}

export interface HostDecision {
  readonly start: VertexId[];
  readonly stop: VertexId[];
  /** Owned vertexes held back, with the hosts that may still run them. */
  readonly waiting: { vertex: VertexId; on: HostId[] }[];
  /** True when self should re-put its own claims now. */
  readonly renewClaims: boolean;
  /** The value to keep as lastQuorumAt for the next tick. */
  readonly lastQuorumAt: number | undefined;
}

/**
 * Self may run what it owns while it sees a quorum; without one, only for stopOnClientAfterMs
 * after it last saw one (forever when that is null). A host that restarted into isolation with a
 * cut-off set starts nothing until it sees a quorum: it cannot know how long it has been cut off.
 */
export function mayRunOwned(view: HostView, lastQuorumAt: number | undefined): boolean {
  if (seesQuorum(view)) return true;
  const limit = view.policy.stopOnClientAfterMs;
  if (limit === null) return true;
  return lastQuorumAt !== undefined && view.now - lastQuorumAt < limit;
}

export function decide(view: HostView, vertexes: readonly VertexOwnershipView[], local: LocalState): HostDecision {
  const quorum = seesQuorum(view);
  const lastQuorumAt = quorum ? view.now : local.lastQuorumAt;
  const mayRun = mayRunOwned(view, lastQuorumAt);
  const start: VertexId[] = [];
  const stop: VertexId[] = [];
  const waiting: { vertex: VertexId; on: HostId[] }[] = [];
  for (const v of vertexes) {
    const owner = resolveOwner(v.claims, view.policy.reconcile);
    const mine = owner !== undefined && owner.host === view.self;
    const running = local.running.has(v.vertex);
    if (!mine || !mayRun) {
      if (running) stop.push(v.vertex);
      continue;
    }
    if (running) continue;
    const others = v.reportedRunningOn.filter((h) => h !== view.self && peerStatus(view, h) !== 'lost');
    if (others.length > 0) waiting.push({ vertex: v.vertex, on: others });
    else start.push(v.vertex);
  }
  return {
    start,
    stop,
    waiting,
    renewClaims: !quorum && !local.renewedSinceQuorumLoss,
    lastQuorumAt,
  };
}
