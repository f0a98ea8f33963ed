/**
 * The production path on three real hosts: `khutulun agent` processes, each in its own network
 * namespace with its own address, driven only through the CLI (`khutulun --agent URL ...`) as an
 * operator would. A TOSCA service is placed across the hosts and its processes really serve, the
 * webs reaching the store on another host. One host is cut off while both sides deploy something;
 * after the heal every agent reports the same deployments and every workload runs exactly once.
 * A kill -9 of an agent leaves its workloads serving; the restarted agent re-attaches them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsAvailable } from './netns-harness.js';
import { AgentCluster, pinnedService } from './agent-cluster.js';
import type { Status } from './agent-cluster.js';

const EXAMPLE = join(resolve(import.meta.dirname, '../..'), 'examples/cluster-web/service.yaml');

const PROBE = `
const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: 3000 });
let out = '';
s.on('data', (d) => (out += d));
s.on('end', () => { console.log(out.trim() || 'empty'); process.exit(0); });
s.on('timeout', () => { console.log('timeout'); process.exit(0); });
s.on('error', () => { console.log('refused'); process.exit(0); });
`;

describe.skipIf(!netnsAvailable())('khutulun agents on three namespaced hosts, driven by the CLI', () => {
  let c: AgentCluster;
  const cli = (i: number, ...args: string[]) => c.cli(i, ...args);
  const status = (i: number, name: string) => c.status(i, name);
  const workloadPorts = (i: number) => c.workloadPorts(i);
  const waitFor: AgentCluster['waitFor'] = (...args) => c.waitFor(...args);

  async function probe(from: number, to: number, port: number): Promise<string> {
    const p = c.net.spawn(from, process.execPath, ['-e', PROBE, c.net.address(to), String(port)]);
    await p.exited;
    return p.output().trim();
  }

  async function httpGet(from: number, to: number, port: number): Promise<string> {
    const p = c.net.spawn(from, process.execPath, ['-e', `fetch('http://${c.net.address(to)}:${port}/').then(r => r.text()).then(t => console.log(t.trim()), e => console.log('failed ' + e.message))`]);
    await p.exited;
    return p.output().trim();
  }

  const hostIndex = (name: string): number => Number(name.replace('host', ''));
  const deployedEverywhere = (name: string, hosts: number[]): Promise<Status | undefined> => c.settled(name, hosts);

  beforeAll(async () => {
    c = new AgentCluster(3, 'cluster-deploy-token', ['--heartbeat-ms', '500']);
    await c.startAll();
  }, 90_000);

  afterAll(async () => {
    await c?.destroy();
  });

  it('places the service on three hosts; the webs reach the store across hosts', async () => {
    const r = await cli(0, 'deploy', EXAMPLE, '--name', 'web');
    expect(r.code, r.out).toBe(0);
    const s = await waitFor('web deployed on every agent', () => deployedEverywhere('web', [0, 1, 2]), 90_000, 1000);
    const hosts = s!.nodes.map((n) => n.host);
    expect(new Set(hosts).size).toBe(3);
    const store = hostIndex(s!.nodes.find((n) => n.template === 'store')!.host);
    for (const n of s!.nodes.filter((x) => x.template === 'web')) {
      const i = hostIndex(n.host);
      const [port] = workloadPorts(i);
      expect(port).toBeDefined();
      // From a third namespace, through the bridge: the web on its host, the store on another.
      expect(await httpGet((i + 1) % 3, i, port!)).toBe(`web at ${c.net.address(i)}; store at ${c.net.address(store)}`);
    }
    expect(workloadPorts(0).length + workloadPorts(1).length + workloadPorts(2).length).toBe(3);
  }, 120_000);

  it('a cut-off host keeps serving and accepts a deployment; the majority too; the heal merges both', async () => {
    const before = [0, 1, 2].map(workloadPorts);
    c.net.cut(2);
    // Host 2 alone: what it owns keeps running, and it takes new work pinned to it.
    writeFileSync(join(c.base, 'left.yaml'), pinnedService('left', 'z2'));
    writeFileSync(join(c.base, 'right.yaml'), pinnedService('right', 'z0'));
    expect((await cli(2, 'deploy', join(c.base, 'left.yaml'), '--name', 'left')).code).toBe(0);
    expect((await cli(0, 'deploy', join(c.base, 'right.yaml'), '--name', 'right')).code).toBe(0);
    await waitFor('left deployed on the cut-off host', async () => ((await status(2, 'left'))?.nodes[0]?.state === 'started' ? true : undefined), 60_000, 500);
    await waitFor('right deployed on the majority', async () => ((await status(0, 'right'))?.nodes[0]?.state === 'started' ? true : undefined), 60_000, 500);
    expect(workloadPorts(2)).toEqual(expect.arrayContaining(before[2]!));
    const [leftPort] = workloadPorts(2).filter((p) => !before[2]!.includes(p));
    expect(await probe(2, 2, leftPort!)).toBe(`left at ${c.net.address(2)}`);
    expect(await probe(0, 2, leftPort!)).not.toMatch(/^left/); // the link is down
    c.net.heal(2);
    for (const name of ['web', 'left', 'right']) await waitFor(`${name} identical on every agent`, () => deployedEverywhere(name, [0, 1, 2]), 90_000, 1000);
    // Exactly once: the three webs/store, left and right, each on its owner, nowhere else.
    const after = [0, 1, 2].map(workloadPorts);
    expect(after.flat().length).toBe(5);
    expect(await probe(0, 2, leftPort!)).toBe(`left at ${c.net.address(2)}`);
    const [rightPort] = after[0]!.filter((p) => !before[0]!.includes(p));
    expect(await probe(2, 0, rightPort!)).toBe(`right at ${c.net.address(0)}`);
  }, 240_000);

  it('kill -9 of an agent leaves its workloads serving; the restarted agent re-attaches, nothing runs twice', async () => {
    const victim = 1;
    const ports = workloadPorts(victim);
    expect(ports.length).toBeGreaterThan(0);
    await c.net.kill(c.agents[victim]!, 'SIGKILL');
    expect(workloadPorts(victim)).toEqual(ports);
    c.startAgent(victim);
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

  it('Day 2 on the cluster: an update reaches the majority during a partition and the cut-off host after the heal; a scale past the Separation limit is refused', async () => {
    const r = await cli(0, 'deploy', EXAMPLE, '--name', 'web', '--wait', '--timeout', '90s');
    expect(r.code, r.out).toBe(0);
    const s = await waitFor('web deployed on every agent', () => deployedEverywhere('web', [0, 1, 2]), 90_000, 1000);
    const webs = s!.nodes.filter((n) => n.template === 'web').map((n) => hostIndex(n.host));
    const [near, far] = webs as [number, number];
    // v2 answers with another word: the webs' `args` change, nothing else.
    const v2 = join(c.base, 'cluster-web-v2.yaml');
    writeFileSync(v2, readFileSync(EXAMPLE, 'utf8').replaceAll("res.end('web at '", "res.end('v2 web at '"));
    const plan = await cli(near, 'plan', 'web', v2, '-o', 'json');
    expect(plan.code, plan.out).toBe(0);
    const changes = (JSON.parse(plan.out.split('\n').find((l) => l.startsWith('{'))!) as { changes: { action: string; node: string }[] }).changes;
    expect(changes.map((x) => `${x.action} ${x.node}`).sort()).toEqual(['update nodes/web', 'update nodes/web-1']);

    c.net.cut(far);
    const up = await cli(near, 'update', 'web', v2);
    expect(up.code, up.out).toBe(0);
    const portOf = (i: number): number => c.workloadPorts(i).find((p) => p !== undefined)!;
    // The connected web serves v2; the cut-off one keeps serving v1 (it has not heard of the update).
    // Asked from its own host: the cut-off one cannot reach it (and the third may be either).
    await waitFor('the connected web serves v2', async () => ((await httpGet(near, near, portOf(near))).startsWith('v2 web at') ? true : undefined), 90_000, 1000);
    const farPorts = c.workloadPorts(far);
    expect(await httpGet(far, far, farPorts[0]!)).toMatch(/^web at /);
    c.net.heal(far);
    await waitFor('the cut-off web serves v2 after the heal', async () => {
      for (const p of c.workloadPorts(far)) if ((await httpGet(far, far, p)).startsWith('v2 web at')) return true;
      return undefined;
    }, 120_000, 1000);
    const after = await waitFor('generation 2 everywhere', async () => {
      const x = await status(0, 'web');
      return x && x.nodes.every((n) => n.state === 'started') ? x : undefined;
    }, 60_000, 1000);
    expect(after.nodes).toHaveLength(3);

    // Scale: a third web needs a host of its own (Separation over three hosts): refused, coded.
    const scale = await cli(0, 'scale', 'web', 'web', '3');
    expect(scale.code).toBe(1);
    expect(scale.out).toContain('KH-AGENT-PLACEMENT');
    const down = await cli(0, 'undeploy', 'web');
    expect(down.code, down.out).toBe(0);
    await waitFor('no workload left', () => ([0, 1, 2].every((i) => workloadPorts(i).length === 0) ? true : undefined), 30_000, 500);
  }, 420_000);
});
