/**
 * The production path on three real hosts: `khutulun agent` processes, each in its own network
 * namespace with its own address, driven only through the CLI (`khutulun --agent URL ...`) as an
 * operator would. A TOSCA service is placed across the hosts and its processes really serve, the
 * webs reaching the store on another host. One host is cut off while both sides deploy something;
 * after the heal every agent reports the same deployments and every workload runs exactly once.
 * A kill -9 of an agent leaves its workloads serving; the restarted agent re-attaches them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsCluster, netnsAvailable, waitFor } from './netns-harness.js';
import type { NetnsProcess } from './netns-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'test/unit/cli/up-launcher.ts');
const TOKEN = 'cluster-deploy-token';
const EXAMPLE = join(ROOT, 'examples/cluster-web/service.yaml');

/** One pinned process answering "<name> at <address>" on its reserved port. */
const pinned = (name: string, zone: string): string => `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    ${name}:
      type: Process
      properties:
        host_labels: { zone: ${zone} }
        command: node
        args: [ -e, "require('net').createServer((s) => s.end('${name} at ' + s.localAddress + '\\\\n')).listen(Number(process.env.PORT), '0.0.0.0')" ]
        ports: [ { name: tcp, port: 0 } ]
`;

interface Status {
  name: string;
  nodes: { id: string; template: string; host: string; state: string }[];
  outputs: Record<string, unknown>;
}

const PROBE = `
const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: 3000 });
let out = '';
s.on('data', (d) => (out += d));
s.on('end', () => { console.log(out.trim() || 'empty'); process.exit(0); });
s.on('timeout', () => { console.log('timeout'); process.exit(0); });
s.on('error', () => { console.log('refused'); process.exit(0); });
`;

describe.skipIf(!netnsAvailable())('khutulun agents on three namespaced hosts, driven by the CLI', () => {
  let net: NetnsCluster;
  let base: string;
  const agents: (NetnsProcess | undefined)[] = [];

  function startAgent(i: number): void {
    const args = ['--import', 'tsx', CLI, 'agent', '--name', `host${i}`, '--listen', `${net.address(i)}:7700`, '--state', join(base, `h${i}`)];
    args.push('--token', TOKEN, '--labels', `zone=z${i}`, '--heartbeat-ms', '500', '--log-level', 'warn');
    for (let j = 0; j < net.size; j++) if (j !== i) args.push('--peer', `${net.address(j)}:7700`);
    agents[i] = net.spawn(i, process.execPath, args, { ...process.env, KHUTULUN_HOME: join(base, `home${i}`) });
  }

  /** Runs the CLI inside host i's namespace against host i's agent; returns stdout's JSON (or text). */
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

  /** Listening TCP ports inside host i's namespace other than the agent's. */
  function workloadPorts(i: number): number[] {
    const out = execFileSync('ip', ['netns', 'exec', net.namespace(i), 'ss', '-ltnH'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => /\S+:(\d+)\s+\S+\s*$/.exec(l.trim())?.[1])
      .filter((p): p is string => p !== undefined)
      .map(Number)
      .filter((p) => p !== 7700)
      .sort();
  }

  async function probe(from: number, to: number, port: number): Promise<string> {
    const p = net.spawn(from, process.execPath, ['-e', PROBE, net.address(to), String(port)]);
    await p.exited;
    return p.output().trim();
  }

  async function httpGet(from: number, to: number, port: number): Promise<string> {
    const p = net.spawn(from, process.execPath, ['-e', `fetch('http://${net.address(to)}:${port}/').then(r => r.text()).then(t => console.log(t.trim()), e => console.log('failed ' + e.message))`]);
    await p.exited;
    return p.output().trim();
  }

  const hostIndex = (name: string): number => Number(name.replace('host', ''));

  async function deployedEverywhere(name: string, hosts: number[]): Promise<Status[] | undefined> {
    const all = await Promise.all(hosts.map((i) => status(i, name)));
    if (all.some((s) => s === undefined || s.nodes.some((n) => n.state !== 'started'))) return undefined;
    const first = JSON.stringify(all[0]!.nodes);
    return all.every((s) => JSON.stringify(s!.nodes) === first) ? (all as Status[]) : undefined;
  }

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kh-cluster-deploy-'));
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

  it('places the service on three hosts; the webs reach the store across hosts', async () => {
    const r = await cli(0, 'deploy', EXAMPLE, '--name', 'web');
    expect(r.code, r.out).toBe(0);
    const [s] = await waitFor('web deployed on every agent', () => deployedEverywhere('web', [0, 1, 2]), 90_000, 1000);
    const hosts = s!.nodes.map((n) => n.host);
    expect(new Set(hosts).size).toBe(3);
    const store = hostIndex(s!.nodes.find((n) => n.template === 'store')!.host);
    for (const n of s!.nodes.filter((x) => x.template === 'web')) {
      const i = hostIndex(n.host);
      const [port] = workloadPorts(i);
      expect(port).toBeDefined();
      // From a third namespace, through the bridge: the web on its host, the store on another.
      expect(await httpGet((i + 1) % 3, i, port!)).toBe(`web at ${net.address(i)}; store at ${net.address(store)}`);
    }
    expect(workloadPorts(0).length + workloadPorts(1).length + workloadPorts(2).length).toBe(3);
  }, 120_000);

  it('a cut-off host keeps serving and accepts a deployment; the majority too; the heal merges both', async () => {
    const before = [0, 1, 2].map(workloadPorts);
    net.cut(2);
    // Host 2 alone: what it owns keeps running, and it takes new work pinned to it.
    writeFileSync(join(base, 'left.yaml'), pinned('left', 'z2'));
    writeFileSync(join(base, 'right.yaml'), pinned('right', 'z0'));
    expect((await cli(2, 'deploy', join(base, 'left.yaml'), '--name', 'left')).code).toBe(0);
    expect((await cli(0, 'deploy', join(base, 'right.yaml'), '--name', 'right')).code).toBe(0);
    await waitFor('left deployed on the cut-off host', async () => ((await status(2, 'left'))?.nodes[0]?.state === 'started' ? true : undefined), 60_000, 500);
    await waitFor('right deployed on the majority', async () => ((await status(0, 'right'))?.nodes[0]?.state === 'started' ? true : undefined), 60_000, 500);
    expect(workloadPorts(2)).toEqual(expect.arrayContaining(before[2]!));
    const [leftPort] = workloadPorts(2).filter((p) => !before[2]!.includes(p));
    expect(await probe(2, 2, leftPort!)).toBe(`left at ${net.address(2)}`);
    expect(await probe(0, 2, leftPort!)).not.toMatch(/^left/); // the link is down
    net.heal(2);
    for (const name of ['web', 'left', 'right']) await waitFor(`${name} identical on every agent`, () => deployedEverywhere(name, [0, 1, 2]), 90_000, 1000);
    // Exactly once: the three webs/store, left and right, each on its owner, nowhere else.
    const after = [0, 1, 2].map(workloadPorts);
    expect(after.flat().length).toBe(5);
    expect(await probe(0, 2, leftPort!)).toBe(`left at ${net.address(2)}`);
    const [rightPort] = after[0]!.filter((p) => !before[0]!.includes(p));
    expect(await probe(2, 0, rightPort!)).toBe(`right at ${net.address(0)}`);
  }, 240_000);

  it('kill -9 of an agent leaves its workloads serving; the restarted agent re-attaches, nothing runs twice', async () => {
    const victim = 1;
    const ports = workloadPorts(victim);
    expect(ports.length).toBeGreaterThan(0);
    await net.kill(agents[victim]!, 'SIGKILL');
    expect(workloadPorts(victim)).toEqual(ports);
    startAgent(victim);
    await waitFor('the restarted agent reports web deployed', async () => ((await status(victim, 'web'))?.nodes.every((n) => n.state === 'started') ? true : undefined), 60_000, 1000);
    expect(workloadPorts(victim)).toEqual(ports);
    // Undeploy everything from the restarted host: every workload everywhere stops.
    for (const name of ['web', 'left', 'right']) {
      const r = await cli(victim, 'undeploy', name);
      expect(r.code, r.out).toBe(0);
    }
    await waitFor('no workload left', () => ([0, 1, 2].every((i) => workloadPorts(i).length === 0) ? true : undefined), 30_000, 500);
    const list = await cli(0, 'status', '-o', 'json');
    expect(list.out).not.toMatch(/"web"|"left"|"right"/);
  }, 180_000);
});
