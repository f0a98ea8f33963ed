/**
 * Plugins that travel with a service, on the production engine: three real agents over loopback
 * (the store in each agent's Repo, the real Wasm plugin host, the noop runtime). A CSAR carries a
 * Wasm component whose functions implement a node's operations; the node is pinned to one host.
 * Only that host receives and registers the blob, the operations run there, an updated component
 * rolls out as a Day-2 update of the node, another service uses it from the registry by name and
 * version, a plugin asking for a grant the cluster does not allow is refused, a tampered blob is
 * refused where it is read, and the blobs are collected after undeploy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import type { DocumentId } from '@automerge/automerge-repo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEngine } from '../../../agent/cluster-engine.js';
import type { ClusterEngine, OpenedHost } from '../../../agent/cluster-engine.js';
import type { Agent } from '../../../agent/index.js';
import { PluginHost, builtinPlugins, watPluginComponent } from '../../../plugins/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import { eventually, harness } from './helpers.js';

/** A component whose every function sets the attribute `greeting` to `text`. */
const greeter = (text: string, extra: Parameters<typeof watPluginComponent>[0] = {}): Promise<Uint8Array> =>
  watPluginComponent({
    manifest: '{"name":"acme.greeter","version":"1.0.0","functions":["create","start","stop","delete"]}',
    response: JSON.stringify({ effects: [{ type: 'set-property', property: 'greeting', value: text }] }),
    ...extra,
  });

const TEMPLATE = (zone: string, grants = '') => `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    hello:
      type: Root
      properties: { host_labels: { zone: ${zone} } }
      artifacts:
        greeter:
          type: PluginComponent
          file: plugins/greeter.wasm
          artifact_version: 1.0.0
          properties: { name: acme.greeter${grants ? `, grants: [ ${grants} ]` : ''} }
      interfaces:
        Standard:
          operations:
            create: acme.greeter:create
            start: acme.greeter:start
            stop: acme.greeter:stop
            delete: acme.greeter:delete
`;

function csar(dir: string, file: string, template: string, wasm: Uint8Array): string {
  const path = join(dir, file);
  writeFileSync(path, zipSync({ 'TOSCA-Metadata/TOSCA.meta': strToU8('TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n'), 'service.yaml': strToU8(template), 'plugins/greeter.wasm': wasm }));
  return path;
}

describe('plugins shipped with a service, on three hosts', () => {
  const h = harness();
  let plugins: PluginHost;
  const engines: ClusterEngine[] = [];
  let agents: Agent[];
  let hosts: OpenedHost[];
  let dir: string;
  /** The build deployed last (the update test's). */
  let current: Uint8Array;

  beforeAll(async () => {
    plugins = await PluginHost.create({ threads: 1, callTimeoutMs: 5000, cacheDir: join(h.tmp(), 'cache') });
    for (const p of builtinPlugins()) await plugins.register({ id: p.id, url: p.path });
    agents = [];
    for (const [i, name] of ['alpha', 'beta', 'gamma'].entries()) {
      const engine = clusterEngine({ stateDir: h.tmp(), local: { plugins, runtimes: [new NoopRuntime({})] }, undeployTimeoutMs: 20_000 });
      engines.push(engine);
      agents.push(await h.start(name, { stateDir: h.tmp(), labels: { zone: `z${i}` }, engine: engine.factory, peers: agents.map((a) => a.address) }));
    }
    await eventually(async () => (agents.every((a) => a.hosts().filter((x) => x.connected).length === 3) ? true : undefined), 15_000, 'a full mesh');
    hosts = await Promise.all(engines.map((e) => e.opened()));
    dir = h.tmp();
    mkdirSync(join(dir, 'plugins'));
  }, 60_000);

  afterAll(async () => {
    await h.close();
    for (const e of engines) await e.close();
    await plugins?.close();
  });

  const greeting = async (a: Agent, name: string): Promise<string | undefined> => {
    const o = hosts[agents.indexOf(a)]!;
    const d = await o.host.store.openDeployment(name);
    const v = d.get('vertex', 'nodes/hello');
    const value = v?.properties['greeting']?.value;
    return typeof value === 'string' ? value : undefined;
  };
  /** Waits until NAME is deployed as seen from A; a timeout shows the last status. */
  const deployed = async (a: Agent, name: string): Promise<void> => {
    let last: unknown;
    await eventually(async () => {
      last = await a.deployments.status(name).catch((e: unknown) => String(e));
      return (last as { state?: string }).state === 'deployed' ? true : undefined;
    }, 30_000, `${name} deployed`).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(last)}`);
    });
  };
  /** Whether host i holds the blob document (a handle with its content). */
  const hasBlob = (i: number, url: string): boolean => agents[i]!.repo.handles[url.replace(/^automerge:/, '') as DocumentId]?.isReady() === true;

  it('deploys a CSAR whose operations run in its own plugin, only on the owning host', async () => {
    const [alpha, beta] = agents as [Agent, Agent, Agent];
    const file = csar(dir, 'app.csar', TEMPLATE('z1'), await greeter('hello v1'));
    const result = await hosts[0]!.engine.deployFile('greet', file);
    expect(result.action).toBe('created');
    await deployed(beta, 'greet');
    expect(await eventually(() => greeting(alpha, 'greet').then((g) => (g === 'hello v1' ? g : undefined)), 10_000, 'the greeting')).toBe('hello v1');

    const view = await alpha.deployments.plugins!();
    expect(view.registry).toHaveLength(1);
    const entry = view.registry[0]!;
    expect(entry).toMatchObject({ name: 'acme.greeter', version: '1.0.0', world: 'khutulun:plugin/plugin@0.1.0', grants: [], deployments: ['greet'] });
    expect(entry.id).toMatch(/^acme\.greeter\/[0-9a-f]{16}$/);
    expect(entry.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Registered where the node lives, nowhere else; the blob reached only the owner (and stays with its publisher).
    const local = await Promise.all(agents.map(async (a) => (await a.deployments.plugins!()).local.map((p) => p.id)));
    expect(local).toEqual([[], [entry.id], []]);
    expect([0, 1, 2].map((i) => hasBlob(i, entry.url))).toEqual([true, true, false]);
  }, 60_000);

  it('rolls an updated plugin out as a Day-2 update of the nodes that use it', async () => {
    const [alpha] = agents as [Agent, Agent, Agent];
    const before = (await alpha.deployments.plugins!()).registry[0]!;
    current = await greeter('hello v2');
    const file = csar(dir, 'app.csar', TEMPLATE('z1'), current);
    const plan = await hosts[0]!.engine.planFile('greet', file);
    expect(plan.changes.map((c) => [c.action, c.node])).toEqual([['replace', 'nodes/hello']]);
    const result = await hosts[0]!.engine.deployFile('greet', file);
    expect(result.action).toBe('updated');
    expect(await eventually(() => greeting(alpha, 'greet').then((g) => (g === 'hello v2' ? g : undefined)), 30_000, 'the new greeting')).toBe('hello v2');
    const view = await alpha.deployments.plugins!();
    // The old build is no longer used by any deployment: it left the registry.
    expect(view.registry.map((p) => p.id)).toEqual([expect.not.stringMatching(before.id.replace('.', '\\.'))]);
    expect(view.registry[0]!.digest).not.toBe(before.digest);
    await eventually(async () => ((await agents[1]!.deployments.plugins!()).local.map((p) => p.id).join() === view.registry[0]!.id ? true : undefined), 10_000, 'only the new build registered on beta');
    await eventually(async () => (!hasBlob(1, before.url) ? true : undefined), 10_000, 'the old blob collected on beta');
  }, 60_000);

  it('uses a plugin already in the registry by name and version, and refuses an unknown one', async () => {
    const [alpha] = agents as [Agent, Agent, Agent];
    const byName = (version: string): string => TEMPLATE('z2').replace('file: plugins/greeter.wasm', 'file: registry:acme.greeter').replace('artifact_version: 1.0.0', `artifact_version: ${version}`);
    writeFileSync(join(dir, 'reuse.yaml'), byName('1.0.0'));
    await hosts[0]!.engine.deployFile('reuse', join(dir, 'reuse.yaml'));
    await deployed(alpha, 'reuse');
    expect(await greeting(alpha, 'reuse')).toBe('hello v2');
    const entry = (await alpha.deployments.plugins!()).registry[0]!;
    expect(entry.deployments).toEqual(['greet', 'reuse']);
    expect((await agents[2]!.deployments.plugins!()).local.map((p) => p.id)).toEqual([entry.id]);
    writeFileSync(join(dir, 'missing.yaml'), byName('9.9.9'));
    await expect(hosts[0]!.engine.deployFile('missing', join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'KH-PLUGIN-UNKNOWN' });
    await alpha.deployments.undeploy('reuse');
    expect((await alpha.deployments.plugins!()).registry[0]!.deployments).toEqual(['greet']);
  }, 60_000);

  it('refuses a plugin that asks for a grant the cluster does not allow, and runs it once allowed', async () => {
    const [alpha] = agents as [Agent, Agent, Agent];
    const file = csar(dir, 'random.csar', TEMPLATE('z2', 'random'), await greeter('lucky', { useWasiRandom: true }));
    const refused = await hosts[0]!.engine.deployFile('lucky', file).then(() => undefined, (e: unknown) => e as { code?: string; message?: string; hint?: string });
    expect(refused?.code).toBe('KH-PLUGIN-GRANT');
    expect(refused?.message).toContain('"random"');
    expect(refused?.hint).toContain('khutulun plugin allow acme.greeter random');
    expect((await alpha.deployments.list()).map((d) => d.name)).not.toContain('lucky');
    await alpha.deployments.allowPlugin!('acme.greeter', ['random']);
    await hosts[0]!.engine.deployFile('lucky', file);
    await deployed(alpha, 'lucky');
    expect(await eventually(() => greeting(alpha, 'lucky').then((g) => (g === 'lucky' ? g : undefined)), 30_000, 'the granted plugin ran')).toBe('lucky');
    expect((await agents[2]!.deployments.plugins!()).local.map((p) => p.grants)).toContainEqual(['random']);
    await alpha.deployments.undeploy('lucky');
    await alpha.deployments.allowPlugin!('acme.greeter', []);
  }, 60_000);

  it('refuses a tampered blob with a coded error on the host that reads it', async () => {
    const [alpha] = agents as [Agent, Agent, Agent];
    const entry = (await alpha.deployments.plugins!()).registry[0]!;
    // The publisher's copy is changed after the deployment recorded its hash (a peer that may write
    // the document, or a damaged disk); the node of the next deployment lives on the publisher,
    // which has not registered this plugin yet, so it reads the changed bytes.
    const evil = await greeter('evil');
    const handle = await alpha.repo.find<{ bytes: Uint8Array }>(entry.url as never);
    handle.change((d) => {
      d.bytes = evil;
    });
    const file = join(dir, 'second.yaml');
    writeFileSync(join(dir, 'plugins', 'greeter.wasm'), current);
    writeFileSync(file, TEMPLATE('z0'));
    await hosts[0]!.engine.deployFile('second', file);
    let last: unknown;
    const failed = await eventually(async () => {
      const s = await alpha.deployments.status('second').catch((e: unknown) => e);
      last = s;
      return (s as { nodes?: { state: string; message?: string }[] }).nodes?.find((n) => n.state === 'error');
    }, 30_000, 'the node on alpha fails').catch((e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(last)}`);
    });
    expect(failed.message).toContain('KH-PLUGIN-TAMPERED');
    expect((await alpha.deployments.plugins!()).local).toEqual([]);
    await alpha.deployments.undeploy('second', { force: true });
  }, 60_000);

  it('collects the registry entry and the blobs after undeploy', async () => {
    const [alpha] = agents as [Agent, Agent, Agent];
    const entry = (await alpha.deployments.plugins!()).registry[0]!;
    await alpha.deployments.undeploy('greet');
    await eventually(async () => ((await alpha.deployments.plugins!()).registry.length === 0 ? true : undefined), 10_000, 'registry empty');
    await eventually(async () => ([0, 1, 2].every((i) => !hasBlob(i, entry.url)) ? true : undefined), 10_000, 'blobs collected everywhere');
    await eventually(async () => ((await agents[1]!.deployments.plugins!()).local.length === 0 ? true : undefined), 10_000, 'nothing registered on beta');
  }, 60_000);
});
