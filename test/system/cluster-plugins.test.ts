/**
 * A plugin shipped in a CSAR, on three real agents in network namespaces, driven by the CLI as an
 * operator would: `deploy app.csar` on host 0 with the plugin's node pinned to host 1; only host 1
 * registers the plugin (each host's `plugin list`), its operations run there (the attribute they
 * set shows in the outputs), and a rebuilt plugin rolls out as an update of that node.
 * (The tampered blob and the grant policy are covered in-process: test/unit/agent/plugin-shipping.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watPluginComponent } from '../../plugins/index.js';
import { netnsAvailable } from './netns-harness.js';
import { AgentCluster } from './agent-cluster.js';

const TEMPLATE = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    hello:
      type: Root
      properties: { host_labels: { zone: z1 } }
      artifacts:
        greeter: { type: PluginComponent, file: plugins/greeter.wasm, artifact_version: 1.0.0, properties: { name: acme.greeter } }
      interfaces:
        Standard:
          operations: { create: acme.greeter:create, start: acme.greeter:start }
  outputs:
    greeting: { value: { $get_attribute: [ hello, greeting ] } }
`;

async function csar(path: string, text: string): Promise<void> {
  const wasm = await watPluginComponent({
    manifest: '{"name":"acme.greeter","functions":["create","start"]}',
    response: JSON.stringify({ effects: [{ type: 'set-property', property: 'greeting', value: text }] }),
  });
  const meta = 'TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n';
  writeFileSync(path, zipSync({ 'TOSCA-Metadata/TOSCA.meta': strToU8(meta), 'service.yaml': strToU8(TEMPLATE), 'plugins/greeter.wasm': wasm }));
}

interface View {
  host: string;
  registry: { id: string; deployments?: string[] }[];
  local: { id: string }[];
}

describe.skipIf(!netnsAvailable())('a plugin shipped in a CSAR on three namespaced agents', () => {
  let c: AgentCluster;

  beforeAll(async () => {
    c = new AgentCluster(3, 'cluster-plugins-token', ['--heartbeat-ms', '300']);
    await c.startAll();
  }, 90_000);

  afterAll(async () => {
    await c?.destroy();
  });

  const view = async (i: number): Promise<View | undefined> => {
    const r = await c.cli(i, 'plugin', 'list', '-o', 'json');
    const line = r.out.split('\n').find((l) => l.startsWith('{'));
    return r.code === 0 && line ? (JSON.parse(line) as View) : undefined;
  };
  const greeting = async (): Promise<unknown> => {
    const r = await c.cli(0, 'outputs', 'app', '-o', 'json');
    const line = r.out.split('\n').find((l) => l.startsWith('{'));
    return line ? (JSON.parse(line) as Record<string, unknown>)['greeting'] : undefined;
  };

  it('runs the plugin only where its node lives, and rolls a rebuilt plugin out as an update', async () => {
    const file = join(c.base, 'app.csar');
    await csar(file, 'hello v1');
    const deployed = await c.cli(0, 'deploy', file, '--name', 'app');
    expect(deployed.code, deployed.out).toBe(0);
    await c.waitFor('app deployed', () => c.settled('app', [0, 1, 2]), 60_000, 500);
    await c.waitFor('the plugin ran', async () => ((await greeting()) === 'hello v1' ? true : undefined), 30_000, 500);
    const views = await Promise.all([0, 1, 2].map((i) => view(i)));
    const id = views[0]!.registry[0]!.id;
    expect(id).toMatch(/^acme\.greeter\/[0-9a-f]{16}$/);
    expect(views.map((v) => v!.local.map((p) => p.id))).toEqual([[], [id], []]);

    await csar(file, 'hello v2');
    const updated = await c.cli(0, 'deploy', file, '--name', 'app');
    expect(updated.code, updated.out).toBe(0);
    expect(updated.out).toMatch(/updated \(generation \d+\)/);
    expect(updated.out).toMatch(/replace\s+nodes\/hello/);
    await c.waitFor('the rebuilt plugin ran', async () => ((await greeting()) === 'hello v2' ? true : undefined), 60_000, 500);
    const after = await c.waitFor('only the new build registered on host 1', async () => {
      const v = await view(1);
      return v && v.local.length === 1 && v.local[0]!.id !== id ? v : undefined;
    }, 30_000, 500);
    expect(after.registry.map((p) => p.id)).toEqual([after.local[0]!.id]);
    expect((await c.cli(0, 'undeploy', 'app')).code).toBe(0);
  }, 200_000);
});
