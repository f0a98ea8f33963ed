/**
 * What one host does with the vertexes it knows, each tick: a pure function of its view and the
 * merged cluster document. The caller performs the result (start/stop workloads, publish its
 * report, write claims). Rules:
 *
 * - Stop every running vertex whose merged claims resolve to another host, or that self may not
 *   run any more (cut off longer than stopOnClientAfter).
 * - Start a vertex that resolves to self only when every other host that may still run it (it
 *   holds a claim or reports running it) has published that it yields to self's claim and runs
 *   nothing, or is lost (so it has stopped by its own policy). In fenced mode (replace with a
 *   stopOnClientAfter) also a majority of members must have acknowledged self's claim, so that a
 *   claim written just before a partition cannot start a second copy next to the older owner.
 *   Acks and yields count only when the reporter saw exactly self's claims, and acks only when
 *   they echo self's current session (the start of its current view of a quorum), so an ack
 *   written before self came back cannot count.
 * - On losing sight of a quorum, renew own claims once (see claims-table.ts).
 */
import type { HostId, VertexId } from '../ids.js';
import { claimKey, resolveOwner } from './owner-claim.js';
import type { OwnerClaim } from './owner-claim.js';
import { peerStatus, seesQuorum } from './liveness.js';
import type { LivenessView } from './liveness.js';
import type { DisconnectPolicy } from './disconnect-policy.js';

/** What another host last published about one vertex. */
export interface PeerReport {
  readonly host: HostId;
  readonly running: boolean;
  /** The claim key that host resolves the vertex's owner to (absent: it knows no claim). */
  readonly owner?: string;
  /** The claim keys that host saw for the vertex when it reported (sorted). */
  readonly claims?: readonly string[];
  /**
   * The session of SELF that the reporter had seen when it wrote the report (hosts publish their
   * `quorumSince` as their session and echo every peer's). Proves the report is not older than
   * self's current view of a quorum.
   */
  readonly echo?: number;
}

export interface VertexOwnershipView {
  readonly vertex: VertexId;
  readonly claims: readonly OwnerClaim[];
  /** Reports of hosts other than self (hosts that published nothing about it are absent). */
  readonly reports: readonly PeerReport[];
}

export interface LocalState {
  readonly running: ReadonlySet<VertexId>;
  /** Last time self saw a quorum (undefined: not since it started). */
  readonly lastQuorumAt: number | undefined;
  /** Self already renewed its claims since it last lost sight of a quorum. */
  readonly renewedSinceQuorumLoss: boolean;
  /** Start of self's current uninterrupted view of a quorum (undefined: none now). */
  readonly quorumSince?: number | undefined;
}

export type WaitReason = 'handover' | 'quorum-ack';

export interface HostDecision {
  readonly start: VertexId[];
  readonly stop: VertexId[];
  /** Owned vertexes held back, and on whom. */
  readonly waiting: { vertex: VertexId; reason: WaitReason; on: HostId[] }[];
  /** What self publishes per vertex with its running set: resolved owner key and the claim keys seen. */
  readonly owners: Map<VertexId, { owner: string; claims: string[] }>;
  /** True when self should re-put its own claims now. */
  readonly renewClaims: boolean;
  /** The values to keep for the next tick. */
  readonly lastQuorumAt: number | undefined;
  readonly quorumSince: number | undefined;
}

/** Replacement with a cut-off: the user asked that no workload ever runs twice. */
export function isFenced(policy: DisconnectPolicy): boolean {
  return policy.replace && policy.stopOnClientAfterMs !== null;
}

/**
 * Self may run what it owns while it sees a quorum; without one, only for stopOnClientAfterMs
 * after it last saw one (forever when that is null). A host that restarted into isolation with a
 * cut-off set starts nothing until it sees a quorum: it cannot know how long it has been cut off.
 */
export function mayRunOwned(view: LivenessView, lastQuorumAt: number | undefined): boolean {
  if (seesQuorum(view)) return true;
  const limit = view.policy.stopOnClientAfterMs;
  if (limit === null) return true;
  return lastQuorumAt !== undefined && view.now - lastQuorumAt < limit;
}

export function decide(view: LivenessView, vertexes: readonly VertexOwnershipView[], local: LocalState): HostDecision {
  const quorum = seesQuorum(view);
  const lastQuorumAt = quorum ? view.now : local.lastQuorumAt;
  const quorumSince = quorum ? (local.quorumSince ?? view.now) : undefined;
  const mayRun = mayRunOwned(view, lastQuorumAt);
  const fenced = isFenced(view.policy);
  const start: VertexId[] = [];
  const stop: VertexId[] = [];
  const waiting: HostDecision['waiting'] = [];
  const owners = new Map<VertexId, { owner: string; claims: string[] }>();
  for (const v of vertexes) {
    const owner = resolveOwner(v.claims, view.policy.reconcile);
    const seen = v.claims.map(claimKey).sort();
    if (owner !== undefined) owners.set(v.vertex, { owner: claimKey(owner), claims: seen });
    const mine = owner !== undefined && owner.host === view.self;
    const running = local.running.has(v.vertex);
    if (!mine || !mayRun) {
      if (running) stop.push(v.vertex);
      continue;
    }
    if (running) continue;
    const key = claimKey(owner);
    const report = new Map(v.reports.map((r) => [r.host, r]));
    const suspects = new Set<HostId>();
    for (const c of v.claims) if (c.host !== view.self) suspects.add(c.host);
    for (const r of v.reports) if (r.running && r.host !== view.self) suspects.add(r.host);
    const blockers = [...suspects]
      .filter((h) => {
        const r = report.get(h);
        // A yield counts only if the reporter saw exactly the claims self sees: an older report
        // may predate the reporter's own claim (and the workload it started under it).
        const yields = r !== undefined && !r.running && r.owner === key && sameKeys(r.claims, seen);
        return !yields && peerStatus(view, h) !== 'lost';
      })
      .sort();
    if (blockers.length > 0) {
      waiting.push({ vertex: v.vertex, reason: 'handover', on: blockers });
      continue;
    }
    if (fenced) {
      // Only fresh acks count: written after the reporter saw self's current session, by a
      // reachable member that saw the same claims. A stale one may predate a claim written elsewhere.
      const acks =
        1 +
        v.reports.filter(
          (r) =>
            r.host !== view.self &&
            r.owner === key &&
            r.echo !== undefined &&
            r.echo === quorumSince &&
            sameKeys(r.claims, seen) &&
            view.members.includes(r.host) &&
            peerStatus(view, r.host) === 'ready',
        ).length;
      if (acks * 2 <= view.members.length) {
        const missing = view.members.filter((m) => m !== view.self && report.get(m)?.owner !== key).sort();
        waiting.push({ vertex: v.vertex, reason: 'quorum-ack', on: missing });
        continue;
      }
    }
    start.push(v.vertex);
  }
  return { start, stop, waiting, owners, renewClaims: !quorum && !local.renewedSinceQuorumLoss, lastQuorumAt, quorumSince };
}

function sameKeys(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((k, i) => k === b[i]);
}
