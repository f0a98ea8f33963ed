import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { PluginErrorCode, PluginHost } from '../../../plugins/host/index.js';
import { call, snapshot } from './fixtures.js';

const sdk = resolve('plugins/sdk/index.ts');
const SOURCE = `
import { definePlugin, setProperty, log, value, fail } from ${JSON.stringify(sdk)};
export const { describe, invoke } = definePlugin('user.greeter', {
  greet: (event, vertex) => [setProperty('greeting', 'hello ' + vertex.properties.name), log('info', event.name)],
  twice: (event) => value((event.payload as number) * 2),
  spin: () => { let i = 0; for (;;) { i++; } },
  boom: () => { throw new Error('plain failure'); },
  refuse: () => fail('KH-USER-001', 'refused', { hint: 'ask nicely', retryable: true }),
});
`;

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void; cwd: string }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: process.cwd() }, out, err };
}

describe('SDK-built plugins and the plugin CLI', () => {
  let dir: string;
  let wasm: string;
  let host: PluginHost;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kh-sdk-'));
    writeFileSync(join(dir, 'greeter.ts'), SOURCE);
    wasm = join(dir, 'greeter.wasm');
    const c = capture();
    expect(await main(['plugin', 'build', join(dir, 'greeter.ts'), '-o', wasm], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/built .*greeter\.wasm/);
    host = await PluginHost.create({ threads: 2, callTimeoutMs: 1000, cacheDir: join(dir, 'cache') });
    await host.register({ id: 'user.greeter', url: wasm });
  }, 120_000);
  afterAll(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`plugin call` runs a function against a snapshot file and prints the result', async () => {
    writeFileSync(join(dir, 'snap.json'), JSON.stringify({ id: 'd/v', properties: { name: 'world' } }));
    const c = capture();
    const code = await main(['plugin', 'call', wasm, 'greet', '--snapshot', join(dir, 'snap.json')], c.io);
    expect(code).toBe(0);
    expect(JSON.parse(c.out.join(''))).toEqual({
      ok: true,
      effects: [{ type: 'set-property', property: 'greeting', value: 'hello world' }, { type: 'log', level: 'info', message: 'Standard.greet' }],
    });
  });

  it('`plugin call` exits 1 with the coded error when the call fails, 2 on a missing file', async () => {
    const c = capture();
    expect(await main(['plugin', 'call', wasm, 'refuse'], c.io)).toBe(1);
    expect(c.err.join('')).toContain('KH-USER-001: refused (ask nicely)');
    const d = capture();
    expect(await main(['plugin', 'call', wasm, 'greet', '--snapshot', join(dir, 'missing.json')], d.io)).toBe(2);
    const e = capture();
    expect(await main(['plugin', 'build', join(dir, 'greeter.ts')], e.io)).toBe(2);
  });

  it('values, plain throws and coded failures come back as results', async () => {
    const [twice, boom, refuse] = await host.callBatch([
      { ...call('user.greeter', 'twice'), event: { name: 'fn', payload: 21 } },
      call('user.greeter', 'boom'),
      call('user.greeter', 'refuse'),
    ]);
    expect(twice).toEqual({ ok: true, effects: [], value: 42 });
    expect(boom).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-FAILED', message: 'plain failure' } });
    expect(refuse).toMatchObject({ ok: false, error: { code: 'KH-USER-001', hint: 'ask nicely', retryable: true } });
  });

  it('an endless loop in a QuickJS plugin is cut; the pool keeps serving', async () => {
    const results = await host.callBatch([call('user.greeter', 'greet', snapshot('a', { name: 'a' })), call('user.greeter', 'spin'), call('user.greeter', 'greet', snapshot('b', { name: 'b' }))]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ error: { code: PluginErrorCode.timeout } });
  });

});
