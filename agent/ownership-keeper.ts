/**
 * The ownership and disconnect protocol of scheduler/ownership, run by every agent on the real
 * deployment documents. Claims live as vertex properties `khutulun:claim:<epoch:host>` (one key
 * each, so two sides of a partition never overwrite each other's); each host publishes its report
 * (what it runs, which claim it resolves to, the sessions it saw) as `khutulun:report:<host>` on
 * the service vertex. Each tick, per deployment, `decide` says what this host may run and what it
 * must stop; the quorum leader re-places the work of lost hosts when the policy says `replace`.
 * The reconciler runs an owned vertex only while `allowed` says so (see docs/cluster.md).
 */
import type { DocHandle } from '@automerge/automerge-repo';
import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { formatEntityId } from '../store/index.js';
import type { Deployment, Store, Vertex } from '../store/index.js';
import type { HostEngine } from '../actors/index.js';
import {
  claimKey,
  compactClaims,
  createScheduler,
  decide,
  isFenced,
  isLeader,
  lostPeers,
  missingWitnesses,
  parseHostId,
  parseVertexId,
  peerStatus,
  reachable,
  renewClaim,
  replaceOwner,
  resolveOwner,
  validateClaim,
  writeClaim,
} from '../scheduler/index.js';
import type { ClaimMap, DisconnectPolicy, HostId, LivenessView, VertexId, VertexOwnershipView } from '../scheduler/index.js';
import { hasRole } from './cluster-reconciler.js';
import type { ClusterDoc, DeploymentRef } from './cluster-doc.js';
import type { HostView } from './membership.js';
import { placementInput } from './placement.js';

export const CLAIM_PREFIX = 'khutulun:claim:';
export const REPORT_PREFIX = 'khutulun:report:';

interface Report {
  session: number | null;
  echo: Record<string, number | null>;
  running: string[];
  owners: Record<string, { owner: string; claims: string[] }>;
}

/** The claims of a vertex; a vertex placed before claims existed counts its owner as claim 0. */
export function claimsOf(v: Vertex): ClaimMap {
  const out: ClaimMap = {};
  for (const [name, p] of Object.entries(v.properties)) {
    if (!name.startsWith(CLAIM_PREFIX) || typeof p.value !== 'string') continue;
    try {
      const c = validateClaim((JSON.parse(p.value) as { claim: unknown }).claim);
      out[claimKey(c)] = c;
    } catch {
      // A malformed claim is ignored: the others still resolve an owner.
    }
  }
  if (Object.keys(out).length === 0 && v.owner) {
    const host = parseHostId(v.owner);
    out[claimKey({ epoch: 0, host })] = { host, epoch: 0, decidedBy: host, reason: 'place' };
  }
  return out;
}

/** Writes the difference between two claim maps as property puts/deletes (renewed keys re-put). */
async function writeClaims(d: Deployment, v: Vertex, before: ClaimMap, after: ClaimMap, renewed: ReadonlySet<string>, nonce: number): Promise<void> {
  const writes: Promise<void>[] = [];
  for (const [key, c] of Object.entries(after)) {
    if (key in before && !renewed.has(key)) continue;
    // The nonce makes a renewal a real new put (a put survives a concurrent delete in the merge).
    writes.push(d.putProperty(v.id, `${CLAIM_PREFIX}${key}`, { value: JSON.stringify({ claim: c, n: nonce }) }));
  }
  for (const key of Object.keys(before)) {
    if (!(key in after) && v.properties[`${CLAIM_PREFIX}${key}`]) writes.push(d.deleteProperty(v.id, `${CLAIM_PREFIX}${key}`));
  }
  await Promise.all(writes);
}

/** First placement: one claim per node vertex for its owner (written by the placing host). */
export async function writePlacementClaims(d: Deployment, owners: ReadonlyMap<string, string>, decidedBy: string): Promise<void> {
  for (const v of d.query({ kind: 'vertex', directory: ['nodes'] })) {
    const host = owners.get(formatEntityId(v.id));
    if (!host) continue;
    const written = Object.keys(v.properties).some((k) => k.startsWith(CLAIM_PREFIX));
    const before: ClaimMap = written ? claimsOf(v) : {};
    const after = { ...before };
    if (resolveOwner(Object.values(after), 'best-score')?.host === host) continue;
    writeClaim(after, parseHostId(host), parseHostId(decidedBy), 'place');
    await writeClaims(d, v, before, after, new Set(), 0);
  }
}

export interface OwnershipKeeperOptions {
  readonly store: Store;
  readonly engine: HostEngine;
  readonly hostId: string;
  readonly cluster: DocHandle<ClusterDoc>;
  readonly hosts: () => HostView[];
  readonly policy: DisconnectPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tickMs: number;
  /** Called when what this host may run in a deployment changed (the reconciler re-runs). */
  readonly changed: (deployment: string) => void;
}

export class OwnershipKeeper {
  readonly #o: OwnershipKeeperOptions;
  readonly #self: HostId;
  readonly #startedAt: number;
  readonly #allowed = new Map<string, Set<string>>();
  #lastQuorumAt: number | undefined;
  #quorumSince: number | undefined;
  #renewed = false;
  #nonce = 0;
  #timer: TimerHandle | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(options: OwnershipKeeperOptions) {
    this.#o = options;
    this.#self = parseHostId(options.hostId);
    this.#startedAt = options.clock.now();
  }

  start(): void {
    const loop = (): void => {
      if (this.#closed) return;
      this.#ticking = this.tick()
        .catch((e: unknown) => this.#o.logger.log('warn', 'ownership tick failed', { error: String(e) }))
        .finally(() => {
          this.#ticking = undefined;
          if (!this.#closed) this.#timer = this.#o.clock.setTimeout(loop, this.#o.tickMs);
        });
    };
    loop();
  }

  /** May this host run its vertex now? (Owned by the resolved claim, and the protocol agrees.) */
  allowed(deployment: string, vertex: string): boolean {
    return this.#allowed.get(deployment)?.has(vertex) ?? false;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    await this.#ticking;
  }

  #view(): LivenessView {
    const now = this.#o.clock.now();
    const hosts = this.#o.hosts();
    const members = [...new Set([this.#self, ...hosts.map((h) => parseHostId(h.id))])];
    // Connected hosts are heard now (membership measures that on our clock); others when their
    // last heartbeat was written (their clock: skew shifts the lost threshold by the skew).
    const lastHeard = new Map<HostId, number>();
    for (const h of hosts) if (h.id !== this.#self) lastHeard.set(parseHostId(h.id), h.connected ? now : Date.parse(h.lastSeen));
    return { self: this.#self, now, members, lastHeard, startedAt: this.#startedAt, policy: this.#o.policy };
  }

  async tick(): Promise<void> {
    const view = this.#view();
    const lost = this.#o.policy.replace ? lostPeers(view) : [];
    const refs = this.#o.cluster.isReady() ? this.#o.cluster.doc().deployments : {};
    let decided: { lastQuorumAt: number | undefined; quorumSince: number | undefined; renew: boolean } | undefined;
    const nonce = ++this.#nonce;
    for (const info of this.#o.store.listDeployments()) {
      const ref = refs[info.name];
      const role = hasRole(ref, this.#self);
      // The leader also looks after deployments whose lost hosts it must replace.
      if (!role && !(ref && lost.some((h) => ref.hosts.includes(h)))) continue;
      if (role && ref) this.#witnesses(ref, view);
      const d = await this.#o.store.openDeployment(info.name).catch(() => undefined);
      if (!d || this.#closed) continue;
      decided = await this.#deployment(d, view, lost, nonce);
    }
    decided ??= (() => {
      const dec = decide(view, [], this.#local());
      return { lastQuorumAt: dec.lastQuorumAt, quorumSince: dec.quorumSince, renew: dec.renewClaims };
    })();
    this.#lastQuorumAt = decided.lastQuorumAt;
    this.#quorumSince = decided.quorumSince;
    if (decided.renew) this.#renewed = true;
    if (decided.quorumSince !== undefined) this.#renewed = false;
  }

  /** Fenced mode: a strict majority of members must take part in the deployment to ack claims. */
  #witnesses(ref: DeploymentRef, view: LivenessView): void {
    if (!isFenced(this.#o.policy)) return;
    const participants = [...new Set([...ref.hosts, ref.createdBy])].map(parseHostId);
    const add = missingWitnesses(view.members, reachable(view), participants);
    if (add.length === 0) return;
    this.#o.logger.log('info', 'adding witnesses to a deployment (fenced mode needs a majority to take part)', { deployment: ref.name, hosts: add });
    this.#o.cluster.change((doc) => {
      const r = doc.deployments[ref.name];
      if (r && r.docUrl === ref.docUrl) r.hosts = [...new Set([...r.hosts, ...add])].sort();
    });
  }

  #local(running: ReadonlySet<VertexId> = new Set()): Parameters<typeof decide>[2] {
    return { running, lastQuorumAt: this.#lastQuorumAt, renewedSinceQuorumLoss: this.#renewed, quorumSince: this.#quorumSince };
  }

  async #deployment(d: Deployment, view: LivenessView, lost: readonly HostId[], nonce: number) {
    const name = d.name as string;
    const nodes = d.query({ kind: 'vertex', directory: ['nodes'] });
    const service = d.get('vertex', d.serviceVertex);
    const reports = new Map<string, Report>();
    for (const [prop, p] of Object.entries(service?.properties ?? {})) {
      if (!prop.startsWith(REPORT_PREFIX) || typeof p.value !== 'string') continue;
      const host = prop.slice(REPORT_PREFIX.length);
      if (host === this.#self) continue;
      try {
        reports.set(host, JSON.parse(p.value) as Report);
      } catch {
        // unreadable report: as if none
      }
    }
    const claims = new Map(nodes.map((v) => [formatEntityId(v.id), claimsOf(v)] as const));
    const views: VertexOwnershipView[] = nodes.map((v) => {
      const id = formatEntityId(v.id);
      return {
        vertex: parseVertexId(id),
        claims: Object.values(claims.get(id)!),
        reports: [...reports].map(([host, r]) => ({
          host: parseHostId(host),
          running: r.running.includes(id),
          ...(typeof r.echo[this.#self] === 'number' ? { echo: r.echo[this.#self] as number } : {}),
          ...(r.owners[id] ? { owner: r.owners[id].owner, claims: [...r.owners[id].claims] } : {}),
        })),
      };
    });
    const running = new Set(nodes.map((v) => parseVertexId(formatEntityId(v.id))).filter((id) => this.#o.engine.mayRun(name, id)));
    const dec = decide(view, views, this.#local(running));

    // What this host may run: owned and running (not told to stop), or told to start.
    const allowed = new Set<string>(dec.start);
    for (const id of running) if (!dec.stop.includes(id) && dec.owners.get(id)?.owner.endsWith(`:${this.#self}`)) allowed.add(id);
    const before = this.#allowed.get(name);
    this.#allowed.set(name, allowed);
    let changed = !before || before.size !== allowed.size || [...allowed].some((v) => !before.has(v));
    for (const v of dec.stop) {
      this.#o.logger.log('info', 'stopping a copy this host may not run', { deployment: name, vertex: v });
      changed = (await this.#o.engine.release(name, v)) || changed;
    }
    // The store lets only the owner write status: take the owner field for what we may run.
    await Promise.all(nodes.filter((v) => allowed.has(formatEntityId(v.id)) && v.owner !== this.#self).map((v) => d.setOwner(v.id, this.#self)));

    // Claims: renew (cut off), replace lost hosts' work (leader), compact (leader, all reachable).
    const next = new Map([...claims].map(([id, m]) => [id, { ...m }] as const));
    const renewed = new Map<string, Set<string>>();
    if (dec.renewClaims) {
      for (const [id, m] of next) {
        const keys = Object.entries(m).filter(([, c]) => c.host === this.#self).map(([k]) => k);
        if (renewClaim(m, this.#self)) renewed.set(id, new Set(keys));
      }
    }
    if (lost.length > 0) {
      const { input } = placementInput(d, this.#o.hosts());
      const existing = new Map<VertexId, HostId[]>();
      for (const [id, m] of next) {
        const owner = resolveOwner(Object.values(m), this.#o.policy.reconcile);
        if (owner) existing.set(parseVertexId(id), [owner.host]);
      }
      const hosts = input.hosts.map((h) => ({ ...h, status: peerStatus(view, h.id) }));
      const plan = createScheduler().schedule({ ...input, hosts, existing, replaceLost: true });
      for (const c of plan.changes) {
        if (c.cause !== 'host-lost' && c.cause !== 'host-gone') continue;
        replaceOwner(next.get(c.vertex)!, this.#o.policy.reconcile, c.to, this.#self);
        this.#o.logger.log('warn', 'replacing the work of a lost host', { deployment: name, vertex: c.vertex, from: c.from, to: c.to });
        this.#o.cluster.change((doc) => {
          const ref = doc.deployments[name];
          if (ref && !ref.hosts.includes(c.to)) ref.hosts = [...ref.hosts, c.to].sort();
        });
      }
    }
    if (isLeader(view) && reachable(view).length === view.members.length) {
      for (const m of next.values()) if (Object.keys(m).length > 1) compactClaims(m, this.#o.policy.reconcile);
    }
    for (const v of nodes) {
      const id = formatEntityId(v.id);
      const a = claims.get(id)!;
      const b = next.get(id)!;
      const r = renewed.get(id) ?? new Set<string>();
      const virtual = Object.values(a).every((c) => c.epoch === 0) && !Object.keys(v.properties).some((k) => k.startsWith(CLAIM_PREFIX));
      if (r.size > 0 || Object.keys(a).join() !== Object.keys(b).join()) await writeClaims(d, v, virtual ? {} : a, b, r, nonce);
    }

    // Publish this host's report when it changed.
    const report: Report = {
      session: dec.quorumSince ?? null,
      echo: Object.fromEntries([...reports].map(([h, r]) => [h, r.session])),
      running: [...running].filter((v) => !dec.stop.includes(v)).sort(),
      owners: Object.fromEntries([...dec.owners].sort(([x], [y]) => (x < y ? -1 : 1))),
    };
    const text = JSON.stringify(report);
    const old = service?.properties[`${REPORT_PREFIX}${this.#self}`]?.value;
    if (service && old !== text) await d.putProperty(service.id, `${REPORT_PREFIX}${this.#self}`, { value: text });
    if (changed) this.#o.changed(name);
    return { lastQuorumAt: dec.lastQuorumAt, quorumSince: dec.quorumSince, renew: dec.renewClaims };
  }
}
