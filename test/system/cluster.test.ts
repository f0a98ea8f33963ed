/**
 * Three real hosts, each in its own network namespace with its own address: a real agent (sync +
 * membership) running the scheduler's ownership protocol on the real cluster document, each owned
 * vertex a real TCP server. The harness cuts one host off with desired-state edits on both sides,
 * heals, kills one host with SIGKILL and restarts it, and checks the invariants on the real
 * replicas: convergence, one owner per vertex, every vertex running exactly once, no lost writes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsCluster, netnsAvailable, waitFor } from './netns-harness.js';
import type { NetnsProcess } from './netns-harness.js';

const NODE = resolve(import.meta.dirname, '../../scripts/netns/cluster-node.ts');
const TOKEN = 'cluster-test-token';
const VERTEXES = 6;
// Fenced: a cut-off host stops its work (5 s) before the others may call it lost (3 + 5 <= 10 s).
// A grace of 3 s keeps a loaded box's late heartbeats from flapping the quorum view.
const POLICY = { graceMs: 3000, lostAfterMs: 10_000, replace: true, reconcile: 'keep-original', stopOnClientAfterMs: 5000 };

const PROBE = `
const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: 2000 });
let out = '';
s.on('data', (d) => (out += d));
s.on('end', () => { console.log(out.trim()); process.exit(0); });
s.on('timeout', () => { console.log('timeout'); process.exit(0); });
s.on('error', () => { console.log('refused'); process.exit(0); });
`;

interface Status {
  name: string;
  hostId: string;
  at: number;
  quorum: boolean;
  reachable: string[];
  running: string[];
  owners: Record<string, string | null>;
  spec: Record<string, string | null>;
  log: string[];
  claims: string;
}

describe.skipIf(!netnsAvailable())('cluster on real agents in network namespaces', () => {
  let net: NetnsCluster;
  let base: string;
  const procs: (NetnsProcess | undefined)[] = [];
  let edits = 0;

  function startNode(i: number): void {
    const args = ['--import', 'tsx', NODE, '--name', `host${i}`, '--listen', `${net.address(i)}:7700`, '--state', join(base, `h${i}`)];
    args.push('--policy', JSON.stringify(POLICY));
    for (let j = 0; j < net.size; j++) if (j !== i) args.push('--peer', `${net.address(j)}:7700`);
    if (i === 0) args.push('--seed', String(VERTEXES), '--expect', String(net.size));
    procs[i] = net.spawn(i, process.execPath, args, { ...process.env, KHUTULUN_TOKEN: TOKEN });
  }

  function status(i: number): Status | undefined {
    try {
      return JSON.parse(readFileSync(join(base, `h${i}`, 'status.json'), 'utf8')) as Status;
    } catch {
      return undefined;
    }
  }

  function edit(i: number, vertex: string, value: string): void {
    writeFileSync(join(base, `h${i}`, 'edits', `${String(++edits).padStart(4, '0')}.json`), JSON.stringify({ vertex, value }));
  }

  /** Every listed host reports the same claims/spec/log, each vertex runs on exactly its owner. */
  function converged(hosts: number[], since = 0): Status[] | undefined {
    const all = hosts.map((i) => status(i));
    if (all.some((s) => s === undefined || Date.now() - s.at > 2000 || s.at < since)) return undefined;
    const ss = all as Status[];
    const first = ss[0]!;
    const same = ss.every((s) => s.claims === first.claims && JSON.stringify(s.spec) === JSON.stringify(first.spec) && s.log.join() === first.log.join());
    if (!same || Object.keys(first.owners).length !== VERTEXES) return undefined;
    for (const [v, owner] of Object.entries(first.owners)) {
      const on = ss.filter((s) => s.running.includes(v)).map((s) => s.hostId);
      if (on.length !== 1 || on[0] !== owner) return undefined;
    }
    return ss;
  }

  /** waitFor that reports every host's last status when it gives up. */
  async function until<T>(what: string, check: () => T | undefined, timeoutMs = 90_000): Promise<T> {
    return waitFor(what, check, timeoutMs).catch((e: unknown) => {
      const dump = [0, 1, 2].map((i) => JSON.stringify(status(i))).join('\n');
      throw new Error(`${String(e)}\n${dump}\n${procs.map((p) => p?.output().slice(-1500)).join('\n---\n')}`);
    });
  }

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kh-cluster-'));
    net = NetnsCluster.create(3);
    for (let i = 0; i < 3; i++) startNode(i);
  });

  afterAll(async () => {
    await net?.destroy();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('places the deployment across the three hosts, each vertex running once', async () => {
    const ss = await until('initial convergence', () => converged([0, 1, 2]));
    expect(ss.every((s) => s.running.length > 0)).toBe(true);
  });

  it('a cut-off host stops its work, the majority re-places it, edits on both sides survive the heal', async () => {
    const before = status(2)!;
    const moved = before.running;
    expect(moved.length).toBeGreaterThan(0);
    net.cut(2);
    edit(0, 'v0', 'majority-1');
    edit(2, 'v1', 'minority-1');
    edit(0, 'v2', 'both-majority');
    edit(2, 'v2', 'both-minority');
    // The majority takes over (replace) only after host 2 stopped its own copies (stopOnClientAfter).
    await until('re-placement on the majority', () => {
      const s0 = status(0);
      const s1 = status(1);
      const s2 = status(2);
      if (!s0 || !s1 || !s2 || s2.quorum || s2.running.length > 0) return undefined;
      return moved.every((v) => [s0, s1].filter((s) => s.running.includes(v)).length === 1) ? true : undefined;
    });
    net.heal(2);
    const ss = await until('convergence after the heal', () => converged([0, 1, 2]));
    const spec = ss[0]!.spec;
    expect(spec.v0).toBe('majority-1');
    expect(spec.v1).toBe('minority-1');
    expect(['both-majority', 'both-minority']).toContain(spec.v2);
    expect(ss[0]!.log).toEqual(expect.arrayContaining(['majority-1', 'minority-1', 'both-majority', 'both-minority']));
    // keep-original: host 2 lived on, so its vertexes come back to it.
    for (const v of moved) expect(ss[0]!.owners[v]).toBe(before.hostId);
  });

  it('survives kill -9 and a restart of a host', async () => {
    const victim = status(1)!;
    await net.kill(procs[1]!, 'SIGKILL');
    edit(0, 'v3', 'while-h1-down');
    await until('the others notice', () => {
      const s0 = status(0);
      return s0 && s0.spec.v3 === 'while-h1-down' && !s0.reachable.includes(victim.hostId) ? true : undefined;
    });
    const restartedAt = Date.now();
    startNode(1);
    const ss = await until('convergence after the restart', () => converged([0, 1, 2], restartedAt));
    expect(ss[1]!.hostId).toBe(victim.hostId);
    expect(ss[0]!.spec.v3).toBe('while-h1-down');
    expect(ss.map((s) => s.running.length).reduce((a, b) => a + b, 0)).toBe(VERTEXES);
    // The workloads are real: every vertex answers on its owner's address, and only there.
    for (let v = 0; v < VERTEXES; v++) {
      const owner = ss.findIndex((s) => s.running.includes(`v${v}`));
      const answers = await Promise.all([0, 1, 2].map((i) => probe(0, i, 8000 + v)));
      expect(answers).toEqual([0, 1, 2].map((i) => (i === owner ? `v${v} host${i}` : 'refused')));
    }
  });

  async function probe(from: number, to: number, port: number): Promise<string> {
    const p = net.spawn(from, process.execPath, ['-e', PROBE, net.address(to), String(port)]);
    await p.exited;
    return p.output().trim();
  }
});
