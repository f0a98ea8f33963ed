import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { FakePluginHost, PluginHost, watPluginComponent } from '../../../plugins/host/index.js';
import type { PluginHostLike } from '../../../plugins/host/index.js';
import { runPluginHostTests } from '../../contracts/index.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kh-contract-cache-'));
const components: Record<string, Uint8Array> = {};
beforeAll(async () => {
  components.ok = await watPluginComponent({ response: '{"effects":[{"type":"log","level":"info","message":"ok"}],"value":1}' });
  components.fail = await watPluginComponent({ fail: true, response: '{"code":"KH-TEST-001","message":"nope","retryable":true}' });
  components.bad = await watPluginComponent({ response: '{"effects":[{"type":"explode"}]}' });
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

runPluginHostTests('wasm PluginHost', {
  create: () => PluginHost.create({ threads: 1, cacheDir, callTimeoutMs: 2000 }),
  async install(host: PluginHostLike) {
    for (const name of ['ok', 'fail', 'bad']) await host.register({ id: `c.${name}`, bytes: components[name]! });
  },
});

runPluginHostTests('FakePluginHost', {
  create: async () =>
    new FakePluginHost()
      .define('c.ok', { start: () => ({ effects: [{ type: 'log', level: 'info', message: 'ok' }], value: 1 }) })
      .define('c.fail', {
        start: () => {
          throw Object.assign(new Error('nope'), { code: 'KH-TEST-001', retryable: true });
        },
      })
      // A deliberately malformed effect: the fake must refuse it like the real host.
      .define('c.bad', { start: () => [{ type: 'explode' } as never] }),
  install: async () => undefined,
});
