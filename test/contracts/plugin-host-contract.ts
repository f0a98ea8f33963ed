/**
 * The acceptance suite every PluginHostLike passes (the real Wasm PluginHost and the in-process
 * FakePluginHost), so actors/ can test against the fake and trust the same behaviour:
 *   runPluginHostTests('wasm', fixture)
 * The fixture installs three plugins with fixed behaviour (see PluginHostContractFixture).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PluginCall, PluginHostLike } from '../../plugins/host/index.js';

export interface PluginHostContractFixture {
  create(): Promise<PluginHostLike>;
  /**
   * Registers on `host`:
   * - `c.ok`: every function returns effects `[{type:'log', level:'info', message:'ok'}]` and value 1;
   * - `c.fail`: every function fails with `{code:'KH-TEST-001', message:'nope', retryable:true}`;
   * - `c.bad`: every function answers effects `[{type:'explode'}]` (malformed).
   */
  install(host: PluginHostLike): Promise<void>;
}

const snapshot = { id: 'contract/v', classes: [], properties: {}, edges: [] };
const call = (plugin: string, fn = 'start'): PluginCall => ({ plugin, fn, event: { name: 'Standard.start' }, snapshot });

export function runPluginHostTests(name: string, fixture: PluginHostContractFixture): void {
  describe(`PluginHostLike contract: ${name}`, () => {
    let host: PluginHostLike;
    beforeEach(async () => {
      host = await fixture.create();
      await fixture.install(host);
    });
    afterEach(async () => {
      await host.close();
    });

    it('returns effects and value of a successful call', async () => {
      expect(await host.call(call('c.ok'))).toEqual({ ok: true, effects: [{ type: 'log', level: 'info', message: 'ok' }], value: 1 });
      expect(host.describe('c.ok')).toBeDefined();
    });

    it("keeps a plugin's coded failure", async () => {
      expect(await host.call(call('c.fail'))).toMatchObject({ ok: false, error: { code: 'KH-TEST-001', message: 'nope', retryable: true } });
    });

    it('refuses malformed effects with KH-PLUGIN-OUTPUT', async () => {
      expect(await host.call(call('c.bad'))).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-OUTPUT' } });
    });

    it('answers an unknown plugin with KH-PLUGIN-UNKNOWN, per call, in order', async () => {
      const results = await host.callBatch([call('c.ok'), call('c.nope'), call('c.fail'), call('c.ok')]);
      expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'KH-PLUGIN-UNKNOWN', 'KH-TEST-001', 'ok']);
      expect(host.describe('c.nope')).toBeUndefined();
    });

    it('an empty batch is an empty answer', async () => {
      expect(await host.callBatch([])).toEqual([]);
    });

    it('after close, calls fail with KH-PLUGIN-CLOSED (no rejection)', async () => {
      await host.close();
      expect(await host.call(call('c.ok'))).toMatchObject({ ok: false, error: { code: 'KH-PLUGIN-CLOSED' } });
    });
  });
}
