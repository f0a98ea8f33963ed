import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginErrorCode, PluginHost, watPluginComponent } from '../../../plugins/host/index.js';
import { call } from './fixtures.js';

const OK = '{"effects":[{"type":"log","level":"info","message":"hi"}],"value":42}';

describe('PluginHost with native (WAT) components', () => {
  let host: PluginHost;
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kh-plugin-cache-'));
    // 1 s: generous for a loaded CI box, short enough for the loop test.
    host = await PluginHost.create({ threads: 2, callTimeoutMs: 1000, cacheDir, maxMemoryMb: 64 });
    await host.register({ id: 'ok', bytes: await watPluginComponent({ response: OK }) });
    await host.register({ id: 'trap', bytes: await watPluginComponent({ invokePrelude: 'unreachable' }) });
    await host.register({ id: 'loop', bytes: await watPluginComponent({ invokePrelude: '(loop $l (br $l))' }) });
    await host.register({
      id: 'hog',
      // Asks for up to 1 GiB, 1 MiB at a time, and traps when a grow is refused (as allocators do).
      bytes: await watPluginComponent({
        invokePrelude:
          '(local $i i32) (local.set $i (i32.const 1024)) (loop $l (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable)) (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))',
      }),
    });
    const random = await watPluginComponent({ useWasiRandom: true });
    await host.register({ id: 'wasi-denied', bytes: random });
    await host.register({ id: 'wasi-granted', bytes: random, grants: { random: true } });
    await host.register({ id: 'bad-output', bytes: await watPluginComponent({ response: '{"effects":[{"type":"explode"}]}' }) });
    await host.register({ id: 'coded', bytes: await watPluginComponent({ fail: true, response: '{"code":"KH-APP-001","message":"no","retryable":true}' }) });
  });
  afterAll(async () => {
    await host.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('runs a call and returns its effects and value', async () => {
    const result = await host.call(call('ok'));
    expect(result).toEqual({ ok: true, effects: [{ type: 'log', level: 'info', message: 'hi' }], value: 42 });
    expect(host.describe('ok')).toEqual({ name: 'wat', functions: ['run'] });
  });

  it('caches transpiled output by content hash', () => {
    const entries = readdirSync(cacheDir).filter((e) => !e.includes('.tmp-'));
    expect(entries.length).toBe(7);
  });

  it('a trap fails only that call, in the middle of a batch', async () => {
    const results = await host.callBatch([call('ok'), call('trap'), call('ok')]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, error: { code: PluginErrorCode.trap } });
  });

  it('an endless loop is cut with KH-PLUGIN-TIMEOUT and the rest of the batch still runs', async () => {
    const started = Date.now();
    const results = await host.callBatch([call('ok'), call('ok'), call('loop'), call('ok')]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: PluginErrorCode.timeout } });
    expect(Date.now() - started).toBeLessThan(5000);
    // The pool goes on.
    expect((await host.call(call('ok'))).ok).toBe(true);
  });

  it('the memory limit holds during the call: growth past it is refused, the plugin never holds more (KH-PLUGIN-MEMORY)', async () => {
    const result = await host.call(call('hog'));
    expect(result).toMatchObject({ ok: false, error: { code: PluginErrorCode.memory, details: { limit: 64 * 1024 * 1024 } } });
    const bytes = (result as unknown as { error: { details: { bytes: number } } }).error.details.bytes;
    expect(bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect((await host.call(call('ok'))).ok).toBe(true);
  });

  it('WASI is denied by default and linked when granted (same bytes, separate instances)', async () => {
    const [denied, granted] = await host.callBatch([call('wasi-denied'), call('wasi-granted')]);
    expect(denied).toMatchObject({ ok: false, error: { code: PluginErrorCode.denied, details: { import: 'wasi:random/random' } } });
    expect(granted).toEqual({ ok: true, effects: [] });
  });

  it('a plugin that ends its worker fails that call with KH-PLUGIN-CRASH; the others are re-run', async () => {
    const exit = await watPluginComponent({ useWasiExit: true });
    await host.register({ id: 'exit-denied', bytes: exit });
    await host.register({ id: 'exit-granted', bytes: exit, grants: { environment: true } });
    expect(await host.call(call('exit-denied'))).toMatchObject({ ok: false, error: { code: PluginErrorCode.denied } });
    const results = await host.callBatch([call('ok'), call('exit-granted'), call('ok')]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', PluginErrorCode.crash, 'ok']);
    expect(results[1]).toMatchObject({ error: { retryable: true } });
    expect((await host.call(call('ok'))).ok).toBe(true);
  });

  it('malformed effects are refused with KH-PLUGIN-OUTPUT', async () => {
    expect(await host.call(call('bad-output'))).toMatchObject({ ok: false, error: { code: PluginErrorCode.output } });
  });

  it("keeps a plugin's own coded error", async () => {
    expect(await host.call(call('coded'))).toMatchObject({ ok: false, error: { code: 'KH-APP-001', retryable: true } });
  });

  it('unknown plugins and malformed calls fail per call, never reject', async () => {
    const results = await host.callBatch([call('nope'), { ...call('ok'), fn: '' }, call('ok')]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: PluginErrorCode.unknown } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: PluginErrorCode.invalid } });
    expect(results[2]!.ok).toBe(true);
  });

  it('refuses bad registrations with coded errors', async () => {
    await expect(host.register({ id: 'x:y', bytes: new Uint8Array([0]) })).rejects.toMatchObject({ code: PluginErrorCode.invalid });
    await expect(host.register({ id: 'junk', bytes: new Uint8Array([0, 97, 115, 109]) })).rejects.toMatchObject({ code: PluginErrorCode.load });
    await expect(host.register({ id: 'missing', url: '/nonexistent/p.wasm' })).rejects.toMatchObject({ code: PluginErrorCode.load });
  });

  it('the jco glue path (direct ABI switched off) gives the same answers', async () => {
    process.env.KHUTULUN_PLUGIN_DIRECT_ABI = '0';
    const glueHost = await PluginHost.create({ threads: 1, callTimeoutMs: 1000, cacheDir });
    try {
      await glueHost.register({ id: 'ok', bytes: await watPluginComponent({ response: OK }) });
      await glueHost.register({ id: 'trap', bytes: await watPluginComponent({ invokePrelude: 'unreachable' }) });
      await glueHost.register({ id: 'coded', bytes: await watPluginComponent({ fail: true, response: '{"code":"KH-APP-001","message":"no","retryable":true}' }) });
      const batch = [call('ok'), call('trap'), call('coded'), call('ok')];
      // Trap messages are worded differently by jco; everything else is identical.
      const shape = (r: Awaited<ReturnType<PluginHost['call']>>) => (r.ok ? r : { ok: false, code: r.error.code, retryable: r.error.retryable });
      expect((await glueHost.callBatch(batch)).map(shape)).toEqual((await host.callBatch(batch)).map(shape));
    } finally {
      delete process.env.KHUTULUN_PLUGIN_DIRECT_ABI;
      await glueHost.close();
    }
  });

  it('property: any mix of calls in one batch answers each call as if it ran alone', async () => {
    const expected: Record<string, string> = { ok: 'ok', trap: PluginErrorCode.trap, coded: 'KH-APP-001', 'bad-output': PluginErrorCode.output, nope: PluginErrorCode.unknown };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...Object.keys(expected)), { minLength: 1, maxLength: 40 }), async (plugins) => {
        const results = await host.callBatch(plugins.map((p) => call(p)));
        expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(plugins.map((p) => expected[p]));
      }),
      { numRuns: 8 },
    );
  });

  it('unregistering during a batch does not break it', async () => {
    await host.register({ id: 'transient', bytes: await watPluginComponent({ response: OK }) });
    const pending = host.callBatch([call('transient'), call('ok')]);
    expect(host.unregister('transient')).toBe(true);
    expect((await pending).map((r) => r.ok)).toEqual([true, true]);
    expect(await host.call(call('transient'))).toMatchObject({ ok: false, error: { code: PluginErrorCode.unknown } });
  });

  it('a big batch keeps order', async () => {
    const calls = Array.from({ length: 2000 }, (_, i) => call(i % 7 === 3 ? 'trap' : 'ok'));
    const results = await host.callBatch(calls);
    expect(results.map((r) => r.ok)).toEqual(calls.map((c) => c.plugin === 'ok'));
  });
});
