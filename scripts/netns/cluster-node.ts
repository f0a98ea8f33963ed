/**
 * One cluster host for the multi-host tests: a real agent (automerge-repo sync over WebSocket,
 * membership heartbeats in the cluster document) plus the ownership protocol of scheduler/ run on
 * the agent's real cluster document. Each owned vertex runs as a real TCP server (port 8000 + its
 * index) inside this host's namespace, so a kill -9 takes the workloads down with the host.
 *
 *   node --import tsx scripts/netns/cluster-node.ts --name N --listen ADDR:PORT --state DIR   (token in $KHUTULUN_TOKEN)
 *        [--peer ADDR:PORT]... [--seed VERTEXES --expect HOSTS] --policy JSON
 *
 * The harness talks to it through files in DIR: it reads status.json (rewritten every tick) and
 * drops edits as edits/<n>.json = {vertex, value}.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import * as A from '@automerge/automerge';
import { stderrLogger } from '../../common/index.js';
import { startAgent } from '../../agent/index.js';
import {
  compactClaims,
  createScheduler,
  decide,
  disconnectPolicy,
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
} from '../../scheduler/index.js';
import type { DisconnectPolicy, HostId, LivenessView, OwnerClaim, VertexId, VertexOwnershipView } from '../../scheduler/index.js';

interface Report {
  session: number | null;
  echo: Record<string, number | null>;
  running: string[];
  owners: Record<string, { owner: string; claims: string[] }>;
}
interface Ownership {
  vertexes: string[];
  spec: Record<string, { value: string }>;
  log: Record<string, { vertex: string; by: string }>;
  claims: Record<string, Record<string, OwnerClaim>>;
  reports: Record<string, Report>;
}
type WithOwnership = { ownership?: Ownership; hosts: Record<string, { lastSeen: number; name: string }> };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const args = {
  name: arg('name')!,
  listen: arg('listen')!,
  state: arg('state')!,
  // From the environment, never argv (any local user reads argv with `ps`).
  token: process.env['KHUTULUN_TOKEN'] ?? '',
  peers: process.argv.flatMap((a, i) => (a === '--peer' ? [process.argv[i + 1]!] : [])),
  seed: Number(arg('seed') ?? 0),
  expect: Number(arg('expect') ?? 0),
  policy: disconnectPolicy(JSON.parse(arg('policy') ?? '{}') as Partial<DisconnectPolicy>),
};
const TICK_MS = 250;
const host = args.listen.split(':')[0]!;

const agent = await startAgent({
  name: args.name,
  listen: args.listen,
  peers: args.peers,
  stateDir: args.state,
  token: args.token,
  heartbeatMs: 300,
  staleAfterMs: 900,
  reconnectMs: 500,
  logger: stderrLogger('warn'),
});
const self = parseHostId(agent.hostId);
const startedAt = Date.now();
const scheduler = createScheduler();
const servers = new Map<VertexId, Server>();
let lastQuorumAt: number | undefined;
let quorumSince: number | undefined;
let renewed = false;
const editsDir = join(args.state, 'edits');
mkdirSync(editsDir, { recursive: true });

function doc(): WithOwnership {
  return agent.cluster.doc() as unknown as WithOwnership;
}

function change(fn: (o: Ownership) => void): void {
  agent.cluster.change((d) => fn((d as unknown as { ownership: Ownership }).ownership));
}

async function startWorkload(v: VertexId, index: number): Promise<void> {
  const server = createServer((s) => s.end(`${v} ${args.name}\n`));
  servers.set(v, server);
  await new Promise<void>((done, fail) => server.once('error', fail).listen(8000 + index, host, () => done()));
}

function seedIfAsked(d: WithOwnership): void {
  if (args.seed <= 0 || d.ownership !== undefined) return;
  const members = agent.hosts().map((h) => h.id);
  if (members.length < args.expect) return;
  const vertexes = Array.from({ length: args.seed }, (_, i) => parseVertexId(`v${i}`));
  const plan = scheduler.schedule({
    hosts: members.map((id) => ({ id: parseHostId(id), labels: {}, capabilities: [], capacity: { cpu: 1000, memory: 1000 }, status: 'ready' as const })),
    vertexes: vertexes.map((id) => ({ id, requests: { cpu: 1, memory: 1 } })),
    policies: [{ name: 'spread', kind: 'separation', members: vertexes.slice(0, members.length) }],
  });
  agent.cluster.change((raw) => {
    const x = raw as unknown as { ownership: Ownership };
    x.ownership = { vertexes: vertexes.map(String), spec: {}, log: {}, claims: {}, reports: {} };
    for (const v of vertexes) {
      x.ownership.spec[v] = { value: 'initial' };
      x.ownership.claims[v] = {};
      writeClaim(x.ownership.claims[v], plan.placements.get(v)![0]!, self, 'place');
    }
  });
}

function applyEdits(): void {
  for (const f of readdirSync(editsDir).sort()) {
    const path = join(editsDir, f);
    const e = JSON.parse(readFileSync(path, 'utf8')) as { vertex: string; value: string };
    change((o) => {
      o.spec[e.vertex]!.value = e.value;
      o.log[e.value] = { vertex: e.vertex, by: args.name };
    });
    rmSync(path);
  }
}

async function tick(): Promise<void> {
  const d = doc();
  seedIfAsked(d);
  const o = d.ownership;
  if (!o) return;
  applyEdits();
  const now = Date.now();
  // The agent's membership view: heartbeats travel as ephemeral messages and reach the document
  // only now and then, so ask the agent rather than reading lastSeen from the document.
  const hosts = agent.hosts();
  const members = hosts.map((h) => parseHostId(h.id));
  const heard = new Map(hosts.map((h) => [h.id, Date.parse(h.lastSeen)] as const));
  const view: LivenessView = {
    self,
    now,
    members,
    lastHeard: new Map(members.filter((m) => m !== self).map((m) => [m, heard.get(m)!] as const)),
    startedAt,
    policy: args.policy,
  };
  const ids = o.vertexes.map(parseVertexId);
  const views: VertexOwnershipView[] = ids.map((v) => ({
    vertex: v,
    claims: Object.values(o.claims[v] ?? {}),
    reports: Object.entries(o.reports)
      .filter(([h]) => h !== self)
      .map(([h, r]) => ({
        host: h as HostId,
        running: r.running.includes(v),
        ...(typeof r.echo[self] === 'number' ? { echo: r.echo[self] as number } : {}),
        ...(r.owners[v] ? { owner: r.owners[v].owner, claims: [...r.owners[v].claims] } : {}),
      })),
  }));
  const dec = decide(view, views, { running: new Set(servers.keys()), lastQuorumAt, renewedSinceQuorumLoss: renewed, quorumSince });
  for (const v of dec.stop) {
    const s = servers.get(v);
    servers.delete(v);
    await new Promise<void>((done) => (s ? s.close(() => done()) : done()));
  }
  for (const v of dec.start) await startWorkload(v, ids.indexOf(v));
  lastQuorumAt = dec.lastQuorumAt;
  quorumSince = dec.quorumSince;
  if (seesQuorum(view)) renewed = false;

  let replacements: { v: VertexId; to: HostId }[] = [];
  const lost = args.policy.replace ? lostPeers(view) : [];
  if (lost.length > 0) {
    const plan = scheduler.schedule({
      hosts: members.map((id) => ({ id, labels: {}, capabilities: [], capacity: { cpu: 1000, memory: 1000 }, status: peerStatus(view, id) })),
      vertexes: ids.map((id) => ({ id, requests: { cpu: 1, memory: 1 } })),
      existing: new Map(
        ids.flatMap((v) => {
          const owner = resolveOwner(Object.values(o.claims[v] ?? {}), args.policy.reconcile);
          return owner ? [[v, [owner.host]] as const] : [];
        }),
      ),
      replaceLost: true,
    });
    replacements = plan.changes.filter((c) => c.cause === 'host-lost').map((c) => ({ v: c.vertex, to: c.to }));
  }
  const compact = isLeader(view) && reachable(view).length === members.length && ids.some((v) => Object.keys(o.claims[v] ?? {}).length > 1);
  const report: Report = {
    session: dec.quorumSince ?? null,
    echo: Object.fromEntries(Object.entries(o.reports).filter(([h]) => h !== self).map(([h, r]) => [h, r.session])),
    running: [...servers.keys()].sort(),
    owners: Object.fromEntries([...dec.owners].sort()),
  };
  const old = o.reports[self];
  const reportChanged = !old || canon(old) !== canon(report);
  if (dec.renewClaims || replacements.length > 0 || compact || reportChanged) {
    change((m) => {
      if (dec.renewClaims) for (const v of ids) renewClaim(m.claims[v]!, self);
      for (const r of replacements) replaceOwner(m.claims[r.v]!, args.policy.reconcile, r.to, self);
      if (compact) for (const v of ids) compactClaims(m.claims[v]!, args.policy.reconcile);
      if (reportChanged) m.reports[self] = report;
    });
    if (dec.renewClaims) renewed = true;
  }
  const after = doc().ownership!;
  const status = {
    name: args.name,
    hostId: self,
    at: now,
    quorum: seesQuorum(view),
    reachable: reachable(view),
    running: [...servers.keys()].sort(),
    owners: Object.fromEntries(ids.map((v) => [v, resolveOwner(Object.values(after.claims[v] ?? {}), args.policy.reconcile)?.host ?? null])),
    spec: Object.fromEntries(ids.map((v) => [v, after.spec[v]?.value ?? null])),
    log: Object.keys(after.log).sort(),
    claims: canon(after.claims),
    heads: A.getHeads(agent.cluster.doc()).length,
    seen: Object.fromEntries(members.map((m) => [m, now - heard.get(m)!])),
  };
  writeFileSync(join(args.state, 'status.tmp'), JSON.stringify(status));
  renameSync(join(args.state, 'status.tmp'), join(args.state, 'status.json'));
}

function canon(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
});
// Bounded by the process lifetime: the harness stops it by PID (SIGTERM, or SIGKILL to crash it).
while (!stopping) {
  await tick().catch((e: unknown) => process.stderr.write(`tick failed: ${String(e)}\n`));
  await new Promise((r) => setTimeout(r, TICK_MS));
}
for (const s of servers.values()) s.close();
await agent.close();
process.exit(0);
