/**
 * The disconnect policy on the production path with real agents in network namespaces, driven by
 * the CLI. Policy: replace lost hosts' work, keep-original on reconnect, and a cut-off host stops
 * its own copies (fenced: stop-on-client-after 3 s <= lost-after 6 s - grace 2 s, so no node ever
 * runs on two hosts). A host is cut off: it stops its copies, the majority's leader re-places them
 * once the host counts as lost, both sides accept a new deployment; after the heal the work goes
 * back to the host that lived on, and everything runs exactly once, on its owner.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsAvailable } from './netns-harness.js';
import { AgentCluster, pinnedService, serveArgs } from './agent-cluster.js';
import type { Status } from './agent-cluster.js';

const POLICY = 'replace=true,grace-ms=2000,lost-after-ms=6000,reconcile=keep-original,stop-on-client-after-ms=3000';

const APP = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    x:
      type: Process
      count: 2
      properties: { command: node, args: ${serveArgs('x')}, ports: [ { name: tcp, port: 0 } ] }
    y:
      type: Process
      properties: { command: node, args: ${serveArgs('y')}, ports: [ { name: tcp, port: 0 } ] }
  policies:
    - apart: { type: Separation, targets: [ x ] }
`;

describe.skipIf(!netnsAvailable())('failover and reconnect on three namespaced agents (disconnect policy)', () => {
  let c: AgentCluster;
  const cli = (i: number, ...args: string[]) => c.cli(i, ...args);
  const status = (i: number, name: string) => c.status(i, name);
  const ports = (i: number) => c.workloadPorts(i);
  const settled = (name: string, hosts: number[]) => c.settled(name, hosts);
  const waitFor: AgentCluster['waitFor'] = (...args) => c.waitFor(...args);
  const owners = (s: Status): Record<string, string> => Object.fromEntries(s.nodes.map((n) => [n.id, n.host]));

  beforeAll(async () => {
    c = new AgentCluster(3, 'cluster-failover-token', ['--heartbeat-ms', '300', '--disconnect', POLICY]);
    await c.startAll();
  }, 90_000);

  afterAll(async () => {
    await c?.destroy();
  });

  it('moves a cut-off host’s work to the majority and back after the heal; each node runs once', async () => {
    writeFileSync(join(c.base, 'app.yaml'), APP);
    expect((await cli(0, 'deploy', join(c.base, 'app.yaml'), '--name', 'app')).code).toBe(0);
    const initial = await waitFor('app deployed', () => settled('app', [0, 1, 2]), 90_000, 1000);
    const original = owners(initial);
    const victim = Number(original['nodes/x']!.replace('host', ''));
    const majority = [0, 1, 2].filter((i) => i !== victim);
    const victimNodes = Object.entries(original).filter(([, h]) => h === `host${victim}`).map(([v]) => v);
    expect(ports(victim).length).toBe(victimNodes.length);

    c.net.cut(victim);
    writeFileSync(join(c.base, 'left.yaml'), pinnedService('left', `z${victim}`));
    writeFileSync(join(c.base, 'right.yaml'), pinnedService('right', `z${majority[0]}`));
    expect((await cli(victim, 'deploy', join(c.base, 'left.yaml'), '--name', 'left')).code).toBe(0);
    expect((await cli(majority[0]!, 'deploy', join(c.base, 'right.yaml'), '--name', 'right')).code).toBe(0);
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

    c.net.heal(victim);
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
