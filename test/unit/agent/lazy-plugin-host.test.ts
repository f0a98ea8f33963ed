/**
 * The agent's plugin host creates its worker pool and loads a plugin only when a call names it;
 * it passes the same PluginHostLike contract as the real host it wraps.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginHost, watPluginComponent } from '../../../plugins/index.js';
import type { PluginHostLike } from '../../../plugins/index.js';
import { LazyPluginHost } from '../../../agent/lazy-plugin-host.js';
import { runPluginHostTests } from '../../contracts/index.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kh-lazy-cache-'));
const components: Record<string, Uint8Array> = {};
beforeAll(async () => {
  components.ok = await watPluginComponent({ response: '{"effects":[{"type":"log","level":"info","message":"ok"}],"value":1}' });
  components.fail = await watPluginComponent({ fail: true, response: '{"code":"KH-TEST-001","message":"nope","retryable":true}' });
  components.bad = await watPluginComponent({ response: '{"effects":[{"type":"explode"}]}' });
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const real = (): Promise<PluginHostLike> => PluginHost.create({ threads: 1, cacheDir, callTimeoutMs: 2000 });

runPluginHostTests('LazyPluginHost (declared plugins)', {
  create: async () => new LazyPluginHost(real),
  async install(host: PluginHostLike) {
    for (const name of ['ok', 'fail', 'bad']) (host as LazyPluginHost).declare({ id: `c.${name}`, bytes: components[name]! });
  },
});

describe('LazyPluginHost', () => {
  const snapshot = { id: 'v', classes: [], properties: {}, edges: [] };
  const call = (plugin: string) => ({ plugin, fn: 'start', event: { name: 'Standard.start' }, snapshot });

  it('creates nothing until a call, then loads only the plugins called', async () => {
    let created = 0;
    const registered: string[] = [];
    const host = new LazyPluginHost(async () => {
      created++;
      const inner = await real();
      const register = inner.register.bind(inner);
      inner.register = (r) => (registered.push(r.id), register(r));
      return inner;
    });
    host.declare({ id: 'c.ok', bytes: components.ok! });
    host.declare({ id: 'c.fail', bytes: components.fail! });
    expect(host.knows('c.ok')).toBe(true);
    expect(host.describe('c.ok')).toBeUndefined();
    expect(created).toBe(0);
    expect(await host.call(call('c.ok'))).toMatchObject({ ok: true, value: 1 });
    expect(await host.call(call('c.ok'))).toMatchObject({ ok: true, value: 1 });
    expect(created).toBe(1);
    expect(registered).toEqual(['c.ok']);
    expect(host.describe('c.ok')).toBeDefined();
    await host.close();
  });

  it('a declared plugin that cannot load fails its own calls with KH-PLUGIN-LOAD, the others run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-lazy-bad-'));
    writeFileSync(join(dir, 'broken.wasm'), 'not a component');
    const host = new LazyPluginHost(real);
    host.declare({ id: 'c.ok', bytes: components.ok! });
    host.declare({ id: 'c.broken', url: join(dir, 'broken.wasm') });
    const results = await host.callBatch([call('c.broken'), call('c.ok'), call('c.broken')]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['KH-PLUGIN-LOAD', 'ok', 'KH-PLUGIN-LOAD']);
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closed before first use: calls answer KH-PLUGIN-CLOSED and no pool is made', async () => {
    let created = 0;
    const host = new LazyPluginHost(async () => (created++, real()));
    host.declare({ id: 'c.ok', bytes: components.ok! });
    await host.close();
    expect(await host.call(call('c.ok'))).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-CLOSED' } });
    expect(created).toBe(0);
  });
});
