/**
 * The production cluster path in-process: three real agents over loopback WebSockets, each with
 * the store in its agent's Repo, the real Wasm plugins and the noop runtime. A TOSCA deployment
 * sent to one agent is placed over the three hosts (host_labels + Separation), each host runs
 * only its own nodes, and the dependency order holds across hosts — for deploy and undeploy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterEngine } from '../../../agent/cluster-engine.js';
import type { Agent } from '../../../agent/index.js';
import { PluginHost, builtinPlugins } from '../../../plugins/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import type { WorkloadId, WorkloadSpec } from '../../../runtimes/workload.js';
import { eventually, harness } from './helpers.js';

const SOURCE = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    base:
      type: Root
      properties: { host_labels: { zone: a } }
    middle:
      type: Root
      requirements: [ { dependency: base } ]
    top:
      type: Root
      requirements: [ { dependency: middle } ]
  policies:
    - apart: { type: Separation, targets: [ base, middle, top ] }
`;

// The target end of each edge runs a handler (`khutulun.noop:start` ensures the TARGET's noop
// workload): that ensure must happen on the target's host, after the source started, and before
// anything that requires the source starts.
const RELATED = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
relationship_types:
  Announced:
    derived_from: DependsOn
    interfaces:
      Configure:
        operations:
          add_source: { implementation: { primary: { type: PluginFunction, file: "khutulun.noop:start" } } }
          remove_source: { implementation: { primary: { type: PluginFunction, file: "khutulun.noop:stop" } } }
service_template:
  node_templates:
    base:
      type: Root
      properties: { host_labels: { zone: a } }
    middle:
      type: Root
      requirements: [ { dependency: { node: base, relationship: Announced } } ]
    top:
      type: Root
      requirements: [ { dependency: middle } ]
  policies:
    - apart: { type: Separation, targets: [ base, middle, top ] }
`;

// Placement by the node_filter of the `host` requirement (capability AgentHost).
const FILTERED = (zone: string, hostnames: string) => `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
node_types:
  Placed:
    derived_from: Root
    requirements:
      - host: { capability: AgentHost, count_range: [ 0, 1 ] }
service_template:
  node_templates:
    pinned:
      type: Placed
      requirements:
        - host:
            node_filter:
              $and:
                - $equal: [ $get_property: [ SELF, CAPABILITY, labels, zone ], ${zone} ]
                - $valid_values: [ $get_property: [ SELF, CAPABILITY, hostname ], [ ${hostnames} ] ]
                - $greater_or_equal: [ $get_property: [ SELF, CAPABILITY, cpus ], 1 ]
`;

/** The noop runtime, recording the order of ensure/remove across all hosts. */
class Recording extends NoopRuntime {
  constructor(readonly host: string, readonly log: string[]) {
    super({});
  }
  override async ensure(id: WorkloadId, spec: WorkloadSpec, options?: Parameters<NoopRuntime['ensure']>[2]) {
    this.log.push(`ensure ${id.split('/').pop()} on ${this.host}`);
    return super.ensure(id, spec, options);
  }
  override async remove(id: WorkloadId, options?: Parameters<NoopRuntime['remove']>[1]) {
    this.log.push(`remove ${id.split('/').pop()} on ${this.host}`);
    return super.remove(id, options);
  }
}

describe('cluster deployments through the store, the scheduler and every host’s actors', () => {
  const h = harness();
  let plugins: PluginHost;
  const engines: { close(): Promise<void> }[] = [];
  const log: string[] = [];
  let agents: Agent[];

  beforeAll(async () => {
    plugins = await PluginHost.create({ threads: 1, callTimeoutMs: 5000 });
    for (const p of builtinPlugins()) await plugins.register({ id: p.id, url: p.path });
    agents = [];
    for (const [i, name] of ['alpha', 'beta', 'gamma'].entries()) {
      const engine = clusterEngine({ stateDir: h.tmp(), local: { plugins, runtimes: [new Recording(name, log)] }, undeployTimeoutMs: 20_000 });
      engines.push(engine);
      agents.push(await h.start(name, { stateDir: h.tmp(), labels: { zone: i === 0 ? 'a' : 'b' }, engine: engine.factory, peers: agents.map((a) => a.address) }));
    }
    await eventually(async () => (agents.every((a) => a.hosts().filter((x) => x.connected).length === 3) ? true : undefined), 15_000, 'a full mesh');
  }, 60_000);

  afterEach(() => void log.splice(0));

  afterAll(async () => {
    await h.close();
    for (const e of engines) await e.close();
    await plugins?.close();
  });

  it('places the nodes on three hosts and starts them in dependency order across hosts', async () => {
    const [alpha, beta, gamma] = agents as [Agent, Agent, Agent];
    const accepted = await beta.deployments.deploy({ name: 'spread', source: SOURCE, inputs: {} });
    expect(accepted.nodes.map((n) => n.id)).toEqual(['nodes/base', 'nodes/middle', 'nodes/top']);
    // Every agent reports the same outcome from its own replica.
    for (const a of [alpha, beta, gamma]) {
      const s = await eventually(async () => {
        const st = await a.deployments.status('spread').catch(() => undefined);
        return st?.state === 'deployed' ? st : undefined;
      }, 30_000, `deployed as seen by ${a.name}`);
      expect(s.nodes.every((n) => n.state === 'started')).toBe(true);
    }
    const status = await gamma.deployments.status('spread');
    const owner = Object.fromEntries(status.nodes.map((n) => [n.id, n.hostId]));
    expect(owner['nodes/base']).toBe(alpha.hostId); // the only host with zone=a
    expect(new Set(Object.values(owner)).size).toBe(3); // Separation
    const ensured = log.filter((l) => l.startsWith('ensure'));
    expect(ensured).toEqual([
      'ensure base on alpha',
      expect.stringMatching(/^ensure middle on (beta|gamma)$/),
      expect.stringMatching(/^ensure top on (beta|gamma)$/),
    ]);
  }, 60_000);

  it('undeploys from any host in reverse order, and the deployment is gone everywhere', async () => {
    const [alpha, , gamma] = agents as [Agent, Agent, Agent];
    const result = await alpha.deployments.undeploy('spread');
    expect(result.state).toBe('undeployed');
    // stop and delete both remove (idempotent): the first removal of each gives the order.
    expect([...new Set(log.filter((l) => l.startsWith('remove')).map((l) => l.split(' ')[1]))]).toEqual(['top', 'middle', 'base']);
    for (const a of agents) {
      await eventually(async () => ((await a.deployments.list()).some((d) => d.name === 'spread') ? undefined : true), 10_000, `gone on ${a.name}`);
    }
    // The same name deploys again (a new document), from another host.
    await gamma.deployments.deploy({ name: 'spread', source: SOURCE, inputs: {} });
    await eventually(async () => ((await alpha.deployments.status('spread').catch(() => undefined))?.state === 'deployed' ? true : undefined), 30_000, 'deployed again');
    await gamma.deployments.undeploy('spread');
  }, 90_000);

  it('runs a relationship step on the host of its target, in the order of the source’s lifecycle', async () => {
    const [alpha, beta] = agents as [Agent, Agent, Agent];
    await beta.deployments.deploy({ name: 'related', source: RELATED, inputs: {} });
    await eventually(async () => ((await alpha.deployments.status('related').catch(() => undefined))?.state === 'deployed' ? true : undefined), 30_000, 'related deployed');
    const ensured = log.filter((l) => l.startsWith('ensure'));
    // base runs on alpha (zone=a): its add_source (for middle) runs there too, after middle started
    // and before top (which requires middle, whose start includes that step) starts.
    expect(ensured).toEqual([
      'ensure base on alpha',
      expect.stringMatching(/^ensure middle on (beta|gamma)$/),
      'ensure base on alpha',
      expect.stringMatching(/^ensure top on (beta|gamma)$/),
    ]);
    log.splice(0);
    await alpha.deployments.undeploy('related');
    // remove_source runs on alpha when middle stops, after top is gone and before base stops.
    const removed = log.filter((l) => l.startsWith('remove')).map((l) => l.replace(/ on (beta|gamma)$/, ' on other'));
    expect(removed.indexOf('remove base on alpha')).toBeGreaterThan(removed.indexOf('remove top on other'));
    expect(removed.indexOf('remove base on alpha')).toBeLessThan(removed.indexOf('remove middle on other'));
    expect(removed.filter((l) => l.startsWith('remove base')).every((l) => l === 'remove base on alpha')).toBe(true);
  }, 90_000);

  it('places a node by the node_filter of its host requirement, and refuses a filter no host meets', async () => {
    const [alpha, beta, gamma] = agents as [Agent, Agent, Agent];
    await alpha.deployments.deploy({ name: 'filtered', source: FILTERED('b', 'alpha, gamma'), inputs: {} });
    const status = await eventually(async () => {
      const st = await alpha.deployments.status('filtered').catch(() => undefined);
      return st?.state === 'deployed' ? st : undefined;
    }, 30_000, 'filtered deployed');
    expect(status.nodes.map((n) => n.hostId)).toEqual([gamma.hostId]); // zone b and named alpha or gamma
    expect(log).toContain('ensure pinned on gamma');
    await alpha.deployments.undeploy('filtered');

    const error = await beta.deployments.deploy({ name: 'nowhere-filtered', source: FILTERED('a', 'beta'), inputs: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KH-AGENT-PLACEMENT' });
    expect(String((error as { hint?: string }).hint)).toMatch(/nodes\/pinned: .*zone == a/);
    const unsupported = await beta.deployments
      .deploy({ name: 'bad-filter', source: FILTERED('a', 'beta').replace('$valid_values', '$matches'), inputs: {} })
      .catch((e: unknown) => e);
    expect(unsupported).toMatchObject({ code: 'KH-AGENT-PLACEMENT', message: expect.stringMatching(/uses \$matches/) as string });
    expect((await beta.deployments.list()).map((d) => d.name)).not.toContain('bad-filter');
  }, 60_000);

  it('publishes what each host can run, and places a Container only where its runtime is', async () => {
    const [alpha] = agents as [Agent, Agent, Agent];
    await eventually(async () => (alpha.hosts().every((h) => h.capabilities?.join() === 'runtime:noop,runtime:script') ? true : undefined), 10_000, 'capabilities published');
    const container = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    web: { type: Container, properties: { image: localhost/web } }
`;
    const error = await alpha.deployments.deploy({ name: 'no-podman', source: container, inputs: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KH-AGENT-PLACEMENT' });
    expect(String((error as { hint?: string }).hint)).toMatch(/nodes\/web: .*runtime:podman/);
  });

  it('refuses a deployment it cannot place, with the reasons, and keeps nothing of it', async () => {
    const bad = SOURCE.replace('zone: a', 'zone: nowhere');
    const error = await agents[0]!.deployments.deploy({ name: 'nowhere', source: bad, inputs: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KH-AGENT-PLACEMENT' });
    expect(String((error as { hint?: string }).hint)).toMatch(/nodes\/base/);
    expect((await agents[0]!.deployments.list()).map((d) => d.name)).not.toContain('nowhere');
  });
});
