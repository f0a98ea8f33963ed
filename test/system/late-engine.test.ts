/**
 * Boot order: an agent that starts before the container engine answers. It runs processes at
 * once, refuses containers with the reason, and once the engine's socket answers it notices by
 * itself (no restart), advertises runtime:podman, and runs a Container on the real podman.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterEngine } from '../../agent/cluster-engine.js';
import { main } from '../../cli/main.js';
import { KhutulunError } from '../../common/index.js';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import { eventually, harness, TOKEN } from '../unit/agent/helpers.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';

const SOURCE = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    box:
      type: Container
      properties:
        image: ${busyboxImage}
        pull: false
        command: [ sh, -c, 'exec sleep 1000' ]
`;

/** `khutulun --agent URL hosts` in-process: the RUNTIMES column of this host's row. */
async function runtimesColumn(url: string, host: string): Promise<string | undefined> {
  let out = '';
  const code = await main(['--agent', url, 'hosts'], { stdout: (t) => void (out += t), stderr: () => undefined, env: { HOME: '/nonexistent-home', KHUTULUN_TOKEN: TOKEN }, cwd: process.cwd() });
  expect(code).toBe(0);
  const [header, ...rows] = out.trimEnd().split('\n');
  const at = header!.indexOf('RUNTIMES');
  const row = rows.find((r) => r.startsWith(host));
  return row?.slice(at).split(/\s+/)[0];
}

describe.skipIf(!requirePodman())('an agent started before the container engine', () => {
  const h = harness();
  const dir = mkdtempSync(join(tmpdir(), 'kh-late-engine-'));
  const socket = join(dir, 'podman.sock');
  const engines: { close(): Promise<void> }[] = [];
  const saved = process.env['KH_PODMAN_SOCKET'];
  // CI also runs a real Docker engine (KH_DOCKER_SOCKET): this agent must not find one either.
  const savedDocker = process.env['KH_DOCKER_SOCKET'];

  afterAll(async () => {
    await h.close();
    for (const e of engines) await e.close();
    process.env['KH_PODMAN_SOCKET'] = saved;
    if (savedDocker === undefined) delete process.env['KH_DOCKER_SOCKET'];
    else process.env['KH_DOCKER_SOCKET'] = savedDocker;
    rmSync(dir, { recursive: true, force: true });
  });

  it('advertises runtime:podman once the socket answers, then runs a Container there', async () => {
    // The agent reads the socket path when its host opens: a path with nothing behind it yet.
    process.env['KH_PODMAN_SOCKET'] = socket;
    process.env['KH_DOCKER_SOCKET'] = join(dir, 'no-docker.sock');
    const engine = clusterEngine({ stateDir: h.tmp(), local: { runtimeRetryMs: 300 }, undeployTimeoutMs: 20_000 });
    engines.push(engine);
    const agent = await h.start('early', { stateDir: h.tmp(), engine: engine.factory });
    const self = async () => agent.hosts().find((x) => x.id === agent.hostId);
    const before = await eventually(async () => (await self())?.capabilities, 15_000, 'capabilities published');
    expect(before).toContain('runtime:process');
    expect(before).not.toContain('runtime:podman');
    // Only the container engines matter here: nspawn, OVN, Distrobox join where they are installed
    // (CI installs them) and every host runs scripts.
    const containerEngines = async (): Promise<string[] | undefined> => (await runtimesColumn(agent.url, 'early'))?.split(',').filter((r) => ['process', 'podman', 'docker'].includes(r)).sort();
    expect(await containerEngines()).toEqual(['process']);

    const refused = await agent.deployments.deploy({ name: 'late', source: SOURCE, inputs: {} }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KhutulunError);
    expect((refused as KhutulunError).code).toBe('KH-AGENT-PLACEMENT');
    expect((refused as KhutulunError).hint).toMatch(/nodes\/box: .*runtime:podman/);

    // The engine "starts": its socket path now leads to the live podman API service.
    symlinkSync(podmanSocket!, socket);
    const after = await eventually(async () => ((await self())?.capabilities?.includes('runtime:podman') ? (await self())?.capabilities : undefined), 10_000, 'runtime:podman advertised');
    expect(after).toContain('runtime:process');
    expect(await containerEngines()).toEqual(['podman', 'process']);

    await agent.deployments.deploy({ name: 'late', source: SOURCE, inputs: {} });
    const status = await eventually(async () => {
      const s = await agent.deployments.status('late').catch(() => undefined);
      return s?.state === 'deployed' ? s : undefined;
    }, 60_000, 'late deployed');
    expect(status.nodes.map((n) => [n.id, n.state])).toEqual([['nodes/box', 'started']]);
    const podman = createPodmanAdapter({ socketPath: podmanSocket!, hostId: agent.hostId });
    try {
      const running = (await podman.list()).filter((o) => o.state === 'running');
      expect(running.map((o) => o.id)).toEqual(['late/nodes/box']);
      await agent.deployments.undeploy('late');
      expect((await podman.list()).filter((o) => o.state === 'running')).toEqual([]);
    } finally {
      await podman.close();
    }
  }, 120_000);
});
