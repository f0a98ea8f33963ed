/**
 * A small executable model of the cluster for the ownership/disconnect protocol. Each host holds
 * a REAL Automerge replica of the cluster document; partitions decide which replicas merge; the
 * hosts run the real `decide`, `replaceOwner`, `renewClaim`, `compactClaims` and the real planner.
 * Time is discrete (ticks); everything is deterministic for a given op list.
 */
import * as A from '@automerge/automerge';
import { seededRandom } from '../../../common/index.js';
import type { Random } from '../../../common/index.js';
import {
  compactClaims,
  createScheduler,
  decide,
  excludesDoubleRun,
  isLeader,
  lostPeers,
  parseHostId,
  parseVertexId,
  peerStatus,
  reachable,
  renewClaim,
  replaceOwner,
  resolveOwner,
  seesQuorum,
  writeClaim,
} from '../../../scheduler/index.js';
import type { DisconnectPolicy, HostId, LivenessView, OwnerClaim, VertexId, VertexOwnershipView } from '../../../scheduler/index.js';

// A type alias (not an interface) so it satisfies Automerge's Record<string, unknown> bound.
export type ModelDoc = {
  spec: Record<string, { value: string }>;
  claims: Record<string, Record<string, OwnerClaim>>;
  reports: Record<
    string,
    { session: number | null; echo: Record<string, number | null>; running: string[]; owners: Record<string, { owner: string; claims: string[] }> }
  >;
};

export type ModelOp =
  | { kind: 'partition'; groups: number[] }
  | { kind: 'heal' }
  | { kind: 'kill'; host: number }
  | { kind: 'restart'; host: number }
  | { kind: 'edit'; host: number; vertex: number }
  | { kind: 'advance'; ticks: number };

export interface ModelConfig {
  hosts: number;
  vertexes: number;
  policy: DisconnectPolicy;
  tickMs: number;
  /** Chance that a replica receives a given peer's document in a tick (1 = every tick). */
  deliveryRate?: number;
  seed?: number;
}

interface SimHost {
  id: HostId;
  alive: boolean;
  group: number;
  doc: A.Doc<ModelDoc>;
  running: Set<VertexId>;
  lastHeard: Map<HostId, number>;
  startedAt: number;
  lastQuorumAt: number | undefined;
  renewed: boolean;
  quorumSince: number | undefined;
  /** Alive and in a group holding a majority at every tick so far. */
  alwaysInMajority: boolean;
}

interface WriteRecord {
  vertex: string;
  value: string;
  hash: string;
}

const scheduler = createScheduler();

export class ClusterModel {
  readonly hosts: SimHost[] = [];
  readonly vertexIds: VertexId[];
  readonly violations: string[] = [];
  readonly writes: WriteRecord[] = [];
  readonly log: string[] = [];
  readonly initialOwner = new Map<VertexId, HostId>();
  #now = 0;
  #writeSeq = 0;
  readonly #cfg: ModelConfig;
  readonly #random: Random;
  /** Quiescence: the network delivers everything again. */
  #settling = false;

  constructor(cfg: ModelConfig) {
    this.#cfg = cfg;
    this.#random = seededRandom(cfg.seed ?? 1);
    const ids = Array.from({ length: cfg.hosts }, (_, i) => parseHostId(`h${i}`));
    this.vertexIds = Array.from({ length: cfg.vertexes }, (_, i) => parseVertexId(`v${i}`));
    // Host h0 places everything before the story starts; every replica begins from its document.
    const plan = scheduler.schedule({
      hosts: ids.map((id) => ({ id, labels: {}, capabilities: [], capacity: { cpu: 1000, memory: 1000 }, status: 'ready' as const })),
      vertexes: this.vertexIds.map((id) => ({ id, requests: { cpu: 1, memory: 1 } })),
    });
    let genesis = A.from<ModelDoc>({ spec: {}, claims: {}, reports: {} }, { actor: actorOf(0) });
    genesis = A.change(genesis, (d) => {
      for (const v of this.vertexIds) {
        d.spec[v] = { value: 'initial' };
        d.claims[v] = {};
        writeClaim(d.claims[v], plan.placements.get(v)![0]!, ids[0]!, 'place');
        this.initialOwner.set(v, plan.placements.get(v)![0]!);
      }
    });
    ids.forEach((id, i) => {
      this.hosts.push({
        id,
        alive: true,
        group: 0,
        doc: A.clone(genesis, { actor: actorOf(i) }),
        running: new Set(),
        lastHeard: new Map(ids.filter((o) => o !== id).map((o) => [o, 0])),
        startedAt: 0,
        lastQuorumAt: 0,
        renewed: false,
        quorumSince: 0,
        alwaysInMajority: true,
      });
    });
  }

  get now(): number {
    return this.#now;
  }

  apply(op: ModelOp): void {
    this.log.push(`t=${this.#now} ${JSON.stringify(op)}`);
    switch (op.kind) {
      case 'partition':
        this.hosts.forEach((h, i) => (h.group = op.groups[i] ?? 0));
        break;
      case 'heal':
        for (const h of this.hosts) h.group = 0;
        break;
      case 'kill': {
        const h = this.hosts[op.host % this.hosts.length]!;
        h.alive = false;
        h.running.clear();
        break;
      }
      case 'restart': {
        const h = this.hosts[op.host % this.hosts.length]!;
        if (h.alive) break;
        Object.assign(h, { alive: true, running: new Set(), lastHeard: new Map(), startedAt: this.#now, lastQuorumAt: undefined, renewed: false, quorumSince: undefined });
        break;
      }
      case 'edit': {
        const h = this.hosts[op.host % this.hosts.length]!;
        if (!h.alive) break;
        const vertex = this.vertexIds[op.vertex % this.vertexIds.length]!;
        const value = `w${++this.#writeSeq}@${h.id}`;
        h.doc = A.change(h.doc, (d) => {
          d.spec[vertex]!.value = value;
        });
        this.writes.push({ vertex, value, hash: A.getHeads(h.doc)[0]! });
        break;
      }
      case 'advance':
        for (let i = 0; i < op.ticks; i++) this.tick();
        break;
    }
  }

  tick(): void {
    this.#now += this.#cfg.tickMs;
    const groups = new Map<number, SimHost[]>();
    for (const h of this.hosts) if (h.alive) (groups.get(h.group) ?? groups.set(h.group, []).get(h.group)!).push(h);
    for (const members of groups.values()) this.#exchange(members);
    for (const h of this.hosts) {
      const size = h.alive ? groups.get(h.group)!.length : 0;
      if (size * 2 <= this.hosts.length) h.alwaysInMajority = false;
    }
    for (const h of this.hosts) if (h.alive) this.#decide(h);
    // Whatever the policy, hosts that share the same document never run the same vertex twice.
    for (const members of groups.values()) {
      for (const v of this.vertexIds) {
        const on = members.filter((h) => h.running.has(v));
        if (on.length > 1 && on.every((h) => sameHeads(h.doc, on[0]!.doc))) {
          this.violations.push(`t=${this.#now}: ${v} runs on in-sync hosts ${on.map((h) => h.id).join(', ')}`);
        }
      }
    }
    if (excludesDoubleRun(this.#cfg.policy)) {
      for (const v of this.vertexIds) {
        const on = this.hosts.filter((h) => h.alive && h.running.has(v)).map((h) => h.id);
        if (on.length > 1) this.violations.push(`t=${this.#now}: ${v} runs on ${on.join(', ')} although the policy excludes it`);
      }
    }
  }

  /**
   * Heartbeats (gossiped by max) always arrive; documents arrive per directed link with
   * `deliveryRate`, so replicas lag each other asymmetrically like real sync does.
   */
  #exchange(members: SimHost[]): void {
    const heard = new Map<HostId, number>();
    for (const h of members) {
      heard.set(h.id, this.#now);
      for (const [o, t] of h.lastHeard) if ((heard.get(o) ?? -1) < t) heard.set(o, t);
    }
    for (const h of members) {
      h.lastHeard = new Map([...heard].filter(([o]) => o !== h.id));
    }
    if (members.length < 2) return;
    const first = members[0]!;
    if (members.every((m) => sameHeads(m.doc, first.doc))) return;
    const rate = this.#settling ? 1 : (this.#cfg.deliveryRate ?? 1);
    const before = members.map((m) => m.doc);
    members.forEach((to, i) => {
      before.forEach((from, j) => {
        if (i !== j && this.#random.next() < rate && !sameHeads(to.doc, from)) to.doc = A.merge(to.doc, from);
      });
    });
  }

  #view(h: SimHost): LivenessView {
    return {
      self: h.id,
      now: this.#now,
      members: this.hosts.map((o) => o.id),
      lastHeard: h.lastHeard,
      startedAt: h.startedAt,
      policy: this.#cfg.policy,
    };
  }

  #decide(h: SimHost): void {
    const view = this.#view(h);
    const policy = this.#cfg.policy;
    const doc = h.doc;
    const views: VertexOwnershipView[] = this.vertexIds.map((v) => ({
      vertex: v,
      claims: Object.values(doc.claims[v] ?? {}),
      reports: Object.entries(doc.reports)
        .filter(([host]) => host !== h.id)
        .map(([host, r]) => ({
          host: host as HostId,
          running: r.running.includes(v),
          ...(typeof r.echo[h.id] === 'number' ? { echo: r.echo[h.id] as number } : {}),
          ...(r.owners[v] !== undefined ? { owner: r.owners[v].owner, claims: r.owners[v].claims } : {}),
        })),
    }));
    const d = decide(view, views, {
      running: h.running,
      lastQuorumAt: h.lastQuorumAt,
      renewedSinceQuorumLoss: h.renewed,
      quorumSince: h.quorumSince,
    });
    h.quorumSince = d.quorumSince;
    for (const v of d.stop) h.running.delete(v);
    for (const v of d.start) h.running.add(v);
    h.lastQuorumAt = d.lastQuorumAt;
    if (seesQuorum(view)) h.renewed = false;

    const lost = policy.replace ? lostPeers(view) : [];
    const fullView = isLeader(view) && reachable(view).length === this.hosts.length;
    const needsCompaction = fullView && this.vertexIds.some((v) => Object.keys(doc.claims[v] ?? {}).length > 1);
    const running = [...h.running].sort();
    const owners = Object.fromEntries([...d.owners].sort());
    const old = doc.reports[h.id];
    const session = d.quorumSince ?? null;
    const echo = Object.fromEntries(
      Object.entries(doc.reports)
        .filter(([o]) => o !== h.id)
        .map(([o, r]) => [o, r.session] as const)
        .sort(),
    );
    const reportChanged =
      !old ||
      old.session !== session ||
      canon(old.echo) !== canon(echo) ||
      canon(old.running) !== canon(running) ||
      canon(old.owners) !== canon(owners);
    if (!d.renewClaims && lost.length === 0 && !needsCompaction && !reportChanged) return;

    let replacements: { v: VertexId; to: HostId }[] = [];
    if (lost.length > 0) {
      const plan = scheduler.schedule({
        hosts: this.hosts.map((o) => ({
          id: o.id,
          labels: {},
          capabilities: [],
          capacity: { cpu: 1000, memory: 1000 },
          status: peerStatus(view, o.id),
        })),
        vertexes: this.vertexIds.map((id) => ({ id, requests: { cpu: 1, memory: 1 } })),
        existing: new Map(
          this.vertexIds.flatMap((v) => {
            const o = resolveOwner(Object.values(doc.claims[v] ?? {}), policy.reconcile);
            return o ? [[v, [o.host]] as const] : [];
          }),
        ),
        replaceLost: true,
      });
      replacements = plan.changes.filter((c) => c.cause === 'host-lost').map((c) => ({ v: c.vertex, to: c.to }));
    }
    if (!d.renewClaims && replacements.length === 0 && !needsCompaction && !reportChanged) return;
    h.doc = A.change(h.doc, (m) => {
      if (d.renewClaims) for (const v of this.vertexIds) renewClaim(m.claims[v]!, h.id);
      for (const r of replacements) replaceOwner(m.claims[r.v]!, policy.reconcile, r.to, h.id);
      if (needsCompaction) for (const v of this.vertexIds) compactClaims(m.claims[v]!, policy.reconcile);
      if (reportChanged) m.reports[h.id] = { session, echo, running, owners };
    });
    if (d.renewClaims) h.renewed = true;
    if (replacements.length > 0) this.log.push(`t=${this.#now} ${h.id} replaces ${replacements.map((r) => `${r.v}->${r.to}`).join(' ')}`);
  }

  /** Heal, restart everyone, and run until nothing changes for a few ticks (bounded). */
  settle(): void {
    this.#settling = true;
    this.apply({ kind: 'heal' });
    this.hosts.forEach((h, i) => this.apply({ kind: 'restart', host: i }));
    const bound = Math.ceil((this.#cfg.policy.lostAfterMs * 2) / this.#cfg.tickMs) + 30;
    let quiet = 0;
    let last = '';
    for (let i = 0; i < bound && quiet < 4; i++) {
      this.tick();
      const sig = this.hosts.map((h) => `${A.getHeads(h.doc).join()}|${[...h.running].sort().join()}`).join(';');
      quiet = sig === last ? quiet + 1 : 0;
      last = sig;
    }
  }

  /** The invariants after healing and quiescence; returns the list of broken ones. */
  checkFinal(): string[] {
    const out = [...this.violations];
    const first = this.hosts[0]!.doc;
    for (const h of this.hosts) {
      if (!sameHeads(h.doc, first)) out.push(`replica ${h.id} differs from h0`);
    }
    for (const v of this.vertexIds) {
      const claims = Object.values(first.claims[v] ?? {});
      const owner = resolveOwner(claims, this.#cfg.policy.reconcile);
      if (!owner) {
        out.push(`${v} has no owner`);
        continue;
      }
      // Never treat one's own loss of link as the fleet's death: an owner that always stayed with
      // a majority keeps its work, whatever cut-off hosts believed meanwhile.
      const origin = this.initialOwner.get(v)!;
      if (this.hosts.find((h) => h.id === origin)!.alwaysInMajority && owner.host !== origin) {
        out.push(`${v} moved from ${origin}, which never left the majority, to ${owner.host}`);
      }
      const on = this.hosts.filter((h) => h.running.has(v)).map((h) => h.id);
      if (on.length !== 1 || on[0] !== owner.host) out.push(`${v} owned by ${owner.host} but running on [${on.join(', ')}]`);
    }
    // No lost writes: every write is in every replica's history, and each final value is a write
    // that no later write (causally after it) superseded.
    const ancestors = ancestry(first);
    for (const w of this.writes) {
      for (const h of this.hosts) if (!A.hasHeads(h.doc, [w.hash])) out.push(`write ${w.value} missing on ${h.id}`);
    }
    for (const v of this.vertexIds) {
      const ws = this.writes.filter((w) => w.vertex === v);
      const final = first.spec[v]!.value;
      if (ws.length === 0) {
        if (final !== 'initial') out.push(`${v} changed without a write`);
        continue;
      }
      const maximal = ws.filter((w) => !ws.some((o) => o !== w && ancestors(o.hash).has(w.hash)));
      if (!maximal.some((w) => w.value === final)) {
        out.push(`${v} = ${final}, not one of the latest writes [${maximal.map((w) => w.value).join(', ')}]`);
      }
    }
    return out;
  }
}

/** JSON with sorted keys: Automerge does not keep the insertion order of map keys. */
function canon(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

function actorOf(i: number): string {
  return (i + 1).toString(16).padStart(2, '0').repeat(16);
}

function sameHeads(a: A.Doc<ModelDoc>, b: A.Doc<ModelDoc>): boolean {
  const x = A.getHeads(a);
  const y = A.getHeads(b);
  return x.length === y.length && x.every((h) => y.includes(h));
}

/** hash -> set of its causal ancestors, from the change graph of `doc`. */
function ancestry(doc: A.Doc<ModelDoc>): (hash: string) => Set<string> {
  const deps = new Map<string, string[]>();
  for (const c of A.getAllChanges(doc)) {
    const d = A.decodeChange(c);
    deps.set(d.hash!, d.deps);
  }
  const memo = new Map<string, Set<string>>();
  return (hash) => {
    const cached = memo.get(hash);
    if (cached) return cached;
    const seen = new Set<string>();
    const stack = [...(deps.get(hash) ?? [])];
    while (stack.length > 0) {
      const h = stack.pop()!;
      if (seen.has(h)) continue;
      seen.add(h);
      stack.push(...(deps.get(h) ?? []));
    }
    memo.set(hash, seen);
    return seen;
  };
}
