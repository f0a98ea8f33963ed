/**
 * The disconnect policy on the production path with real agents in network namespaces, driven by
 * the CLI. Policy: replace lost hosts' work, keep-original on reconnect, and a cut-off host stops
 * its own copies (fenced: stop-on-client-after 3 s <= lost-after 6 s - grace 2 s, so no node ever
 * runs on two hosts). A host is cut off: it stops its copies, the majority's leader re-places them
 * once the host counts as lost, both sides accept a new deployment; after the heal the work goes
 * back to the host that lived on, and everything runs exactly once, on its owner.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsCluster, netnsAvailable, waitFor as waitForRaw } from './netns-harness.js';
import type { NetnsProcess } from './netns-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'test/unit/cli/up-launcher.ts');
const TOKEN = 'cluster-failover-token';
const POLICY = 'replace=true,grace-ms=2000,lost-after-ms=6000,reconcile=keep-original,stop-on-client-after-ms=3000';

const serve = (label: string): string =>
  `[ -e, "require('net').createServer((s) => s.end('${label} at ' + s.localAddress + '\\\\n')).listen(Number(process.env.PORT), '0.0.0.0')" ]`;

const APP = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    x:
      type: Process
      count: 2
      properties: { command: node, args: ${serve('x')}, ports: [ { name: tcp, port: 0 } ] }
    y:
      type: Process
      properties: { command: node, args: ${serve('y')}, ports: [ { name: tcp, port: 0 } ] }
  policies:
    - apart: { type: Separation, targets: [ x ] }
`;

const pinned = (name: string, zone: string): string => `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    ${name}:
      type: Process
      properties: { host_labels: { zone: ${zone} }, command: node, args: ${serve(name)}, ports: [ { name: tcp, port: 0 } ] }
`;

interface Status {
  nodes: { id: string; template: string; host: string; state: string }[];
}

describe.skipIf(!netnsAvailable())('failover and reconnect on three namespaced agents (disconnect policy)', () => {
  let net: NetnsCluster;
  let base: string;
  const agents: NetnsProcess[] = [];

  /** waitFor that, on a timeout, says what each agent logged last (the cause is usually there). */
  async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs?: number, everyMs?: number): Promise<T> {
    try {
      return await waitForRaw(what, check, timeoutMs, everyMs);
    } catch (error) {
      const logs = agents.map((a) => `--- host${a.host} (last lines)\n${a.output().split('\n').slice(-25).join('\n')}`).join('\n');
      throw new Error(`${String(error)}\n${logs}`);
    }
  }

  function startAgent(i: number): void {
    const args = ['--import', 'tsx', CLI, 'agent', '--name', `host${i}`, '--listen', `${net.address(i)}:7700`, '--state', join(base, `h${i}`)];
    args.push('--token', TOKEN, '--labels', `zone=z${i}`, '--heartbeat-ms', '300', '--disconnect', POLICY, '--log-level', 'warn');
    for (let j = 0; j < net.size; j++) if (j !== i) args.push('--peer', `${net.address(j)}:7700`);
    agents[i] = net.spawn(i, process.execPath, args, { ...process.env, KHUTULUN_HOME: join(base, `home${i}`) });
  }

  async function cli(i: number, ...args: string[]): Promise<{ code: number | null; out: string }> {
    const p = net.spawn(i, process.execPath, ['--import', 'tsx', CLI, '--agent', `http://${net.address(i)}:7700`, '--token', TOKEN, ...args]);
    const code = await p.exited;
    return { code, out: p.output() };
  }

  async function status(i: number, name: string): Promise<Status | undefined> {
    const r = await cli(i, 'status', name, '-o', 'json');
    const line = r.out.split('\n').find((l) => l.startsWith('{"name"'));
    return r.code === 0 && line ? (JSON.parse(line) as Status) : undefined;
  }

  function ports(i: number): number[] {
    const out = execFileSync('ip', ['netns', 'exec', net.namespace(i), 'ss', '-ltnH'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => /\S+:(\d+)\s+\S+\s*$/.exec(l.trim())?.[1])
      .filter((p): p is string => p !== undefined)
      .map(Number)
      .filter((p) => p !== 7700);
  }

  const owners = (s: Status): Record<string, string> => Object.fromEntries(s.nodes.map((n) => [n.id, n.host]));

  async function settled(name: string, hosts: number[]): Promise<Status | undefined> {
    const all = await Promise.all(hosts.map((i) => status(i, name)));
    if (all.some((s) => !s || s.nodes.some((n) => n.state !== 'started'))) return undefined;
    return all.every((s) => JSON.stringify(s!.nodes) === JSON.stringify(all[0]!.nodes)) ? all[0] : undefined;
  }

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kh-cluster-failover-'));
    net = NetnsCluster.create(3);
    for (let i = 0; i < 3; i++) startAgent(i);
    await waitFor('three connected hosts', async () => {
      const r = await cli(0, 'hosts', '-o', 'json');
      const line = r.out.split('\n').find((l) => l.startsWith('['));
      const hosts = line ? (JSON.parse(line) as { connected: boolean }[]) : [];
      return hosts.length === 3 && hosts.every((h) => h.connected) ? true : undefined;
    }, 60_000, 1000);
  }, 90_000);

  afterAll(async () => {
    await net?.destroy();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('moves a cut-off host’s work to the majority and back after the heal; each node runs once', async () => {
    writeFileSync(join(base, 'app.yaml'), APP);
    expect((await cli(0, 'deploy', join(base, 'app.yaml'), '--name', 'app')).code).toBe(0);
    const initial = await waitFor('app deployed', () => settled('app', [0, 1, 2]), 90_000, 1000);
    const original = owners(initial);
    const victim = Number(original['nodes/x-0']!.replace('host', ''));
    const majority = [0, 1, 2].filter((i) => i !== victim);
    const victimNodes = Object.entries(original).filter(([, h]) => h === `host${victim}`).map(([v]) => v);
    expect(ports(victim).length).toBe(victimNodes.length);

    net.cut(victim);
    writeFileSync(join(base, 'left.yaml'), pinned('left', `z${victim}`));
    writeFileSync(join(base, 'right.yaml'), pinned('right', `z${majority[0]}`));
    expect((await cli(victim, 'deploy', join(base, 'left.yaml'), '--name', 'left')).code).toBe(0);
    expect((await cli(majority[0]!, 'deploy', join(base, 'right.yaml'), '--name', 'right')).code).toBe(0);
    // Fenced: the cut-off host stops its copies before the majority may call it lost.
    await waitFor('the cut-off host to stop its copies', () => (ports(victim).length === 0 ? true : undefined), 30_000, 250);
    const moved = await waitFor('the majority to run the moved nodes', async () => {
      const s = await settled('app', majority);
      return s && Object.values(owners(s)).every((h) => h !== `host${victim}`) ? s : undefined;
    }, 60_000, 1000);
    expect(Object.values(owners(moved)).filter((h) => h === `host${majority[0]}`).length).toBeGreaterThan(0);
    await waitFor('right running', async () => {
      const s = await status(majority[0]!, 'right');
      if (s?.nodes[0]?.state === 'started') return true;
      throw new Error(`right is ${JSON.stringify(s)}`); // shown if it never starts
    }, 30_000, 500);
    expect(ports(majority[0]!).length + ports(majority[1]!).length).toBe(3 + 1); // app + right
    expect(ports(victim)).toEqual([]); // left waits for a quorum too

    net.heal(victim);
    for (const name of ['app', 'left', 'right']) await waitFor(`${name} settled everywhere`, () => settled(name, [0, 1, 2]), 90_000, 1000);
    // keep-original: the host that lived on gets its nodes back; nothing runs twice.
    await waitFor('the original owners again', async () => {
      const s = await settled('app', [0, 1, 2]);
      return s && JSON.stringify(owners(s)) === JSON.stringify(original) ? true : undefined;
    }, 60_000, 1000);
    await waitFor('every workload once', () => {
      const counts = [0, 1, 2].map((i) => ports(i).length);
      const expected = [0, 1, 2].map((i) => Object.values(original).filter((h) => h === `host${i}`).length + (i === victim ? 1 : 0) + (i === majority[0] ? 1 : 0));
      return JSON.stringify(counts) === JSON.stringify(expected) ? true : undefined;
    }, 30_000, 500);
    for (const name of ['app', 'left', 'right']) expect((await cli(victim, 'undeploy', name)).code).toBe(0);
    await waitFor('no workload left', () => ([0, 1, 2].every((i) => ports(i).length === 0) ? true : undefined), 30_000, 500);
  }, 300_000);
});
