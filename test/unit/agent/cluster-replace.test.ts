/**
 * The disconnect policy on the production path, in-process: three agents (real sync over
 * loopback), a deployment spread over them, one host stops for good. With `replace`, the quorum
 * leader re-places its nodes once it counts as lost (never before), the new owners start them in
 * order, and the status shows one owner per node. Without `replace` nothing moves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clusterEngine } from '../../../agent/cluster-engine.js';
import type { Agent } from '../../../agent/index.js';
import { PluginHost, builtinPlugins } from '../../../plugins/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import type { DisconnectPolicy } from '../../../scheduler/index.js';
import { eventually, harness } from './helpers.js';

const SOURCE = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    a: { type: Root }
    b: { type: Root, requirements: [ { dependency: a } ] }
    c: { type: Root, requirements: [ { dependency: b } ] }
  policies:
    - apart: { type: Separation, targets: [ a, b ] }
`;

describe('re-placement of a lost host’s nodes (disconnect policy)', () => {
  const h = harness();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await h.close();
    for (const c of closers.splice(0)) await c();
  });

  const runtimes = new Map<string, NoopRuntime>();

  /** The workloads really running in a host's runtime (ids end with the vertex name). */
  async function running(a: Agent): Promise<string[]> {
    return (await runtimes.get(a.hostId)!.list()).filter((w) => w.state === 'running').map((w) => w.id.split('/').pop()!).sort();
  }

  async function cluster(policy: Partial<DisconnectPolicy>): Promise<Agent[]> {
    const plugins = await PluginHost.create({ threads: 1, callTimeoutMs: 5000 });
    closers.push(() => plugins.close());
    for (const p of builtinPlugins()) await plugins.register({ id: p.id, url: p.path });
    const agents: Agent[] = [];
    for (const name of ['alpha', 'beta', 'gamma']) {
      const runtime = new NoopRuntime({});
      const engine = clusterEngine({ stateDir: h.tmp(), local: { plugins, runtimes: [runtime] }, policy, ownershipTickMs: 100 });
      closers.unshift(() => engine.close());
      const agent = await h.start(name, { stateDir: h.tmp(), engine: engine.factory, heartbeatMs: 100, staleAfterMs: 400, peers: agents.map((a) => a.address) });
      runtimes.set(agent.hostId, runtime);
      agents.push(agent);
    }
    await eventually(async () => (agents.every((a) => a.hosts().filter((x) => x.connected).length === 3) ? true : undefined), 15_000, 'a full mesh');
    return agents;
  }

  async function deployed(a: Agent): Promise<Record<string, string>> {
    const s = await eventually(async () => {
      const st = await a.deployments.status('app').catch(() => undefined);
      return st?.state === 'deployed' ? st : undefined;
    }, 30_000, `deployed as seen by ${a.name}`);
    return Object.fromEntries(s.nodes.map((n) => [n.template, n.hostId!]));
  }

  it('with replace: the leader moves the lost host’s nodes once it is lost, and they start elsewhere', async () => {
    const agents = await cluster({ replace: true, graceMs: 300, lostAfterMs: 1500, reconcile: 'keep-replacement' });
    await agents[0]!.deployments.deploy({ name: 'app', source: SOURCE, inputs: {} });
    const before = await deployed(agents[0]!);
    // Stop the host that owns `a` (the first wave: everything else depends on it).
    const victim = agents.find((x) => x.hostId === before['a'])!;
    const survivors = agents.filter((x) => x !== victim);
    const stoppedAt = Date.now();
    await victim.close();
    const after = await eventually(async () => {
      const st = await survivors[0]!.deployments.status('app').catch(() => undefined);
      const owners = Object.fromEntries((st?.nodes ?? []).map((n) => [n.template, n.hostId]));
      return st?.state === 'deployed' && Object.values(owners).every((x) => x !== victim.hostId) ? owners : undefined;
    }, 30_000, 'the lost host’s nodes started elsewhere');
    // Not on silence alone: only after lostAfterMs.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1500);
    expect(Object.values(after)).not.toContain(victim.hostId);
    expect(after['a']).not.toBe(after['b']); // the Separation still holds
    // The other survivor converges on the same owners (its replica may lag a sync round).
    for (const s of survivors) {
      await eventually(async () => (JSON.stringify(await deployed(s)) === JSON.stringify(after) ? true : undefined), 10_000, `${s.name} to see ${JSON.stringify(after)}`);
    }
    // The moved nodes really run on their new hosts (not a stale status of the lost one).
    const onHost = (a: Agent): string[] => Object.entries(after).filter(([, host]) => host === a.hostId).map(([t]) => `${t}`).sort();
    for (const s of survivors) await eventually(async () => ((await running(s)).join() === onHost(s).join() ? true : undefined), 10_000, `${s.name} to run ${onHost(s).join()}`);
  }, 60_000);

  it('without replace: a silent host keeps its nodes, however long', async () => {
    const agents = await cluster({ replace: false, graceMs: 300, lostAfterMs: 800 });
    await agents[0]!.deployments.deploy({ name: 'app', source: SOURCE, inputs: {} });
    const before = await deployed(agents[0]!);
    const victim = agents.find((x) => x.hostId === before['a'])!;
    await victim.close();
    await new Promise((r) => setTimeout(r, 2500));
    const other = agents.find((x) => x !== victim)!;
    const st = await other.deployments.status('app');
    expect(Object.fromEntries(st.nodes.map((n) => [n.template, n.hostId]))).toEqual(before);
  }, 60_000);
});
