import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../../plugins/builtin/index.js';
import { PluginHost } from '../../../plugins/host/index.js';
import type { VertexSnapshot } from '../../../plugins/host/index.js';
import { buildPlugin } from '../../../plugins/sdk/build.js';
import { call, snapshot } from './fixtures.js';

const web: VertexSnapshot = {
  id: 'shop/web',
  template: 'web',
  classes: ['khutulun.org:core:Process'],
  properties: {
    command: '/usr/bin/python3',
    args: ['-m', 'http.server', '8080'],
    env: { MODE: 'prod', WORKERS: 4 },
    restart: 'on-failure',
    stop_timeout: '5 s',
    limits: { memory: '256 MiB', cpus: 0.5 },
    ports: [{ name: 'http', protocol: 'tcp', port: 8080 }],
  },
  edges: [
    {
      id: 'shop/web-db',
      name: 'database',
      direction: 'out',
      classes: ['khutulun.org:core:ConnectsTo'],
      properties: {},
      peer: { id: 'shop/db', classes: ['khutulun.org:core:Container'], properties: {}, attributes: { address: '10.88.0.5', port: 5432 } },
    },
  ],
};

describe('built-in plugins (real Wasm components through the host)', () => {
  let host: PluginHost;
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kh-plugin-cache-'));
    host = await PluginHost.create({ threads: 1, callTimeoutMs: 2000, cacheDir });
    for (const plugin of builtinPlugins()) {
      // `npm run build` makes them; build here when it has not run (a fresh checkout under vitest).
      if (!existsSync(plugin.path)) await buildPlugin({ source: join('plugins/builtin', plugin.source), out: plugin.path });
      await host.register({ id: plugin.id, url: plugin.path });
    }
  }, 120_000);
  afterAll(async () => {
    await host.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('describe lists the Standard operations', () => {
    expect(host.describe('khutulun.process')?.functions).toEqual(['create', 'configure', 'start', 'stop', 'delete', 'observe']);
  });

  it('khutulun.process:start ensures a process workload built from the properties and connections', async () => {
    const result = await host.call({ plugin: 'khutulun.process', fn: 'start', event: { name: 'Standard.start' }, snapshot: web });
    expect(result).toEqual({
      ok: true,
      effects: [
        {
          type: 'intent',
          intent: {
            action: 'ensure',
            runtime: 'process',
            workload: 'shop/web',
            spec: {
              kind: 'process',
              command: '/usr/bin/python3',
              args: ['-m', 'http.server', '8080'],
              env: { DATABASE_ADDRESS: '10.88.0.5', DATABASE_PORT: '5432', MODE: 'prod', WORKERS: '4' },
              restart: 'on-failure',
              stopTimeoutMs: 5000,
              limits: { memory: 256 * 1024 * 1024, cpus: 0.5 },
              ports: [{ name: 'http', protocol: 'tcp', containerPort: 8080 }],
            },
          },
        },
      ],
    });
  });

  it('stop and delete remove the workload; create records it', async () => {
    const [stop, del, create] = await host.callBatch(['stop', 'delete', 'create'].map((fn) => ({ ...call('khutulun.process', fn, web) })));
    expect(stop).toEqual({ ok: true, effects: [{ type: 'intent', intent: { action: 'remove', runtime: 'process', workload: 'shop/web' } }] });
    expect(del).toEqual(stop);
    expect(create).toMatchObject({ ok: true, effects: [{ type: 'set-property', property: 'workload_id', value: 'shop/web' }, { property: 'runtime', value: 'process' }, { type: 'log' }] });
  });

  it('a missing command fails create with a coded, hinted error', async () => {
    const result = await host.call(call('khutulun.process', 'create', snapshot('shop/x', { args: ['a'] })));
    expect(result).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-PROPERTY', message: expect.stringContaining('command') } });
    expect(result.ok || result.error.hint).toBeTruthy();
  });

  it('khutulun.container: docker runtime, pod from the host edge, mounts', async () => {
    const snap: VertexSnapshot = {
      id: 'shop/cache',
      classes: ['khutulun.org:core:Container'],
      properties: { image: 'docker.io/library/redis:7', runtime: 'docker', mounts: [{ source: 'data', target: '/data', type: 'volume' }] },
      edges: [{ id: 'e', name: 'host', direction: 'out', classes: ['khutulun.org:core:HostedOn'], properties: {}, peer: { id: 'shop/pod1', classes: ['khutulun.org:core:Pod'], properties: { name: 'shop-pod' } } }],
    };
    const result = await host.call(call('khutulun.container', 'start', snap));
    expect(result).toEqual({
      ok: true,
      effects: [{ type: 'intent', intent: { action: 'ensure', runtime: 'docker', workload: 'shop/cache', spec: { kind: 'container', image: 'docker.io/library/redis:7', mounts: [{ source: 'data', target: '/data', type: 'volume' }], pod: 'shop-pod' } } }],
    });
    const bad = await host.call(call('khutulun.container', 'start', snapshot('shop/c', { image: 'x', runtime: 'lxc' })));
    expect(bad).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-PROPERTY' } });
  });

  it('khutulun.container on a Pod vertex ensures a pod', async () => {
    const result = await host.call(call('khutulun.container', 'start', { ...snapshot('shop/pod1', { name: 'shop-pod' }), classes: ['khutulun.org:core:Pod'] }));
    expect(result).toMatchObject({ ok: true, effects: [{ intent: { runtime: 'podman', spec: { kind: 'pod', name: 'shop-pod' } } }] });
  });

  it('khutulun.noop: intent for runtime noop, echo returns a value, unknown function is coded', async () => {
    const [start, echo, none] = await host.callBatch([
      call('khutulun.noop', 'start'),
      { ...call('khutulun.noop', 'echo'), event: { name: 'tosca:function', payload: { a: [1, 2] } } },
      call('khutulun.noop', 'nope'),
    ]);
    expect(start).toEqual({ ok: true, effects: [{ type: 'intent', intent: { action: 'ensure', runtime: 'noop', workload: 'dep/web', spec: { kind: 'noop' } } }] });
    expect(echo).toEqual({ ok: true, effects: [], value: { a: [1, 2] } });
    expect(none).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-NOFUNC' } });
  });

  it('khutulun.script:run emits a one-shot exec intent to the script runtime (inside the container the node is HostedOn)', async () => {
    const file = { path: 'scripts/setup.sh', content: 'ZWNobyBoaQo=', sha256: 'sha256:abc' };
    const app: VertexSnapshot = {
      id: 'nodes/app',
      deployment: 'shop',
      classes: [],
      properties: { 'khutulun:scripts': { 'Standard.configure': { interpreter: 'sh', primary: 'scripts/setup.sh', files: [file], timeout_ms: 5000, inputs: { 'db-port': 5432 }, outputs: { site: 'site' } } } },
      edges: [{ id: 'e1', name: 'host', direction: 'out', classes: ['tosca.relationships.HostedOn'], properties: {}, peer: { id: 'nodes/box', classes: [], properties: { runtime: 'docker', workload_id: 'shop/nodes/box' } } }],
    };
    const result = await host.call({ plugin: 'khutulun.script', fn: 'run', event: { name: 'Standard.configure' }, snapshot: app });
    expect(result.ok && result.effects.find((e) => e.type === 'intent')).toEqual({
      type: 'intent',
      intent: {
        action: 'exec',
        runtime: 'script',
        workload: 'shop/nodes/app',
        spec: { kind: 'script', operation: 'Standard.configure', interpreter: 'sh', primary: 'scripts/setup.sh', files: [file], env: { db_port: '5432' }, timeoutMs: 5000, outputs: { site: 'site' }, inside: { runtime: 'docker', workload: 'shop/nodes/box' } },
      },
    });
    const missing = await host.call({ plugin: 'khutulun.script', fn: 'run', event: { name: 'Standard.start' }, snapshot: app });
    expect(missing).toMatchObject({ ok: false, error: { code: 'KH-SCRIPT-OPERATION' } });
  });

  it('strings cross the boundary intact both ways (UTF-8, large, empty)', async () => {
    const payload = { s: 'héllo ✓ 🌍 \u0000 "quoted"', big: 'x'.repeat(200_000), empty: '', list: [1.5, -2, true, null] };
    const echo = await host.call({ ...call('khutulun.noop', 'echo'), event: { name: 'e', payload } });
    expect(echo).toEqual({ ok: true, effects: [], value: payload });
  });
});
