import { describe, expect, it } from 'vitest';
import { parseDisconnectPolicy } from '../../../agent/disconnect-option.js';
import { DEFAULT_DISCONNECT_POLICY } from '../../../scheduler/index.js';

describe('--disconnect KEY=VALUE,...', () => {
  it('parses every key over the defaults', () => {
    expect(parseDisconnectPolicy('')).toEqual(DEFAULT_DISCONNECT_POLICY);
    expect(parseDisconnectPolicy('replace=true,grace-ms=2000,lost-after-ms=6000,reconcile=keep-original,stop-on-client-after-ms=3000')).toEqual({
      replace: true,
      graceMs: 2000,
      lostAfterMs: 6000,
      reconcile: 'keep-original',
      stopOnClientAfterMs: 3000,
    });
    expect(parseDisconnectPolicy('stop-on-client-after-ms=never').stopOnClientAfterMs).toBeNull();
  });

  it('refuses what it does not understand, with a coded error saying what to write', () => {
    for (const bad of ['replace=yes', 'grace-ms=5s', 'reconcile=latest', 'evict=true', 'grace-ms=9000,lost-after-ms=1000']) {
      expect(() => parseDisconnectPolicy(bad), bad).toThrow(expect.objectContaining({ code: 'KH-AGENT-POLICY', hint: expect.stringMatching(/grace-ms=N/) as string }) as Error);
    }
    // The shared validation speaks the flag's words.
    expect(() => parseDisconnectPolicy('grace-ms=9000,lost-after-ms=1000')).toThrow(/grace-ms must not exceed lost-after-ms/);
  });
});
