/**
 * Events between actors across hosts, on the production engine with two real agents: a plugin's
 * `emit` on host alpha reaches a vertex owned by host beta, whose handler of that event runs there
 * (with the source and payload), in order per source; the triggers of a policy that targets the
 * vertex run too (call_operation, set_state); each delivery shows on the event stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent, AgentEvent } from '../../../agent/index.js';
import type { PluginEvent, VertexSnapshot } from '../../../plugins/host/index.js';
import { api, eventually, harness } from './helpers.js';
import { testEngine } from './test-engine.js';

const APP = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
interface_types:
  Alarm:
    operations:
      raised: {}
  Ops:
    operations:
      poke: {}
      reset: {}
node_types:
  Sensor:
    derived_from: Root
    interfaces:
      Ops:
        type: Ops
        operations:
          poke: { implementation: { primary: { type: PluginFunction, file: "acme.ev:poke" } } }
  Pump:
    derived_from: Root
    interfaces:
      Alarm:
        type: Alarm
        operations:
          raised: { implementation: { primary: { type: PluginFunction, file: "acme.ev:raised" } } }
      Ops:
        type: Ops
        operations:
          reset: { implementation: { primary: { type: PluginFunction, file: "acme.ev:reset" } } }
service_template:
  node_templates:
    sensor:
      type: Sensor
      properties: { host_labels: { zone: a } }
    pump:
      type: Pump
      properties: { host_labels: { zone: b } }
  policies:
    - on-alarm:
        type: Reaction
        targets: [ pump ]
        triggers:
          alarm:
            event: Alarm.raised
            action:
              - call_operation: Ops.reset
              - set_state: alarmed
`;


describe('emit: events between actors, on any host', () => {
  const h = harness();
  afterEach(() => h.close());

  it('delivers an emitted event to the owner of its target, in order, and runs the policy trigger there', async () => {
    const log: string[] = [];
    const agents: Agent[] = [];
    for (const [i, name] of ['alpha', 'beta'].entries()) {
      const dir = h.tmp();
      const t = testEngine({ stateDir: dir });
      t.plugins.define('acme.ev', {
        poke: (event: PluginEvent) => {
          const n = (event.payload as { inputs?: { n?: number } } | undefined)?.inputs?.n ?? 1;
          return Array.from({ length: n }, (_, k) => ({ type: 'emit' as const, event: 'Alarm.raised', vertex: 'nodes/pump', payload: { k } }));
        },
        raised: (event: PluginEvent, v: VertexSnapshot) => {
          const p = event.payload as { inputs?: { source?: string; payload?: { k?: number } } } | undefined;
          log.push(`${name} raised ${v.id} from ${p?.inputs?.source} k=${p?.inputs?.payload?.k}`);
          return [];
        },
        reset: (_event: PluginEvent, v: VertexSnapshot) => {
          log.push(`${name} reset ${v.id}`);
          return [{ type: 'set-property', property: 'resets', value: log.filter((l) => l.includes('reset')).length }];
        },
      });
      agents.push(await h.start(name, { stateDir: dir, labels: { zone: i === 0 ? 'a' : 'b' }, engine: t.engine, peers: agents.map((a) => a.address) }));
    }
    const [alpha, beta] = agents as [Agent, Agent];
    await eventually(async () => (agents.every((a) => a.hosts().filter((x) => x.connected).length === 2) ? true : undefined), 15_000, 'a mesh');
    const events: AgentEvent[] = [];
    beta.events.subscribe((e) => events.push(e));

    const created = await api(alpha.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'plant', source: APP }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const status = await eventually(async () => {
      const s = (await api(alpha.url, '/v1/deployments/plant')).body;
      return s.state === 'deployed' ? s : undefined;
    }, 20_000, 'deployed');
    expect(Object.fromEntries(status.nodes.map((n: { id: string; hostId: string }) => [n.id, n.hostId]))).toEqual({ 'nodes/sensor': alpha.hostId, 'nodes/pump': beta.hostId });

    // The sensor (alpha) emits three events to the pump (beta).
    const run = await api(alpha.url, '/v1/deployments/plant/run', { method: 'POST', body: JSON.stringify({ node: 'sensor', operation: 'Ops.poke', inputs: { n: 3 } }) });
    expect(run.body.ok).toBe(true);
    await eventually(async () => (log.filter((l) => l.startsWith('beta raised')).length === 3 ? true : undefined), 15_000, 'three events on beta');
    const raised = log.filter((l) => l.includes('raised'));
    expect(raised).toEqual([0, 1, 2].map((k) => `beta raised nodes/pump from nodes/sensor k=${k}`));
    // The trigger ran on beta for each event, and set the state there.
    await eventually(async () => (log.filter((l) => l === 'beta reset nodes/pump').length === 3 ? true : undefined), 15_000, 'three resets');
    expect(log.some((l) => l.startsWith('alpha raised') || l.startsWith('alpha reset'))).toBe(false);
    await eventually(async () => {
      const s = (await api(alpha.url, '/v1/deployments/plant')).body;
      return s ? true : undefined;
    });
    await eventually(async () => (events.filter((e) => e.type === 'node.event' && e.node === 'nodes/pump').length >= 3 ? true : undefined), 10_000, 'delivery events');
    expect(events.find((e) => e.type === 'node.event')!.message).toBe('Alarm.raised from nodes/sensor');

    // Taken events leave the outbox on the next emit; nothing runs twice.
    const again = await api(alpha.url, '/v1/deployments/plant/run', { method: 'POST', body: JSON.stringify({ node: 'sensor', operation: 'Ops.poke' }) });
    expect(again.body.ok).toBe(true);
    await eventually(async () => (log.filter((l) => l.startsWith('beta raised')).length === 4 ? true : undefined), 15_000, 'the fourth event');
    await new Promise((r) => setTimeout(r, 500));
    expect(log.filter((l) => l.startsWith('beta raised'))).toHaveLength(4);
  }, 90_000);
});
