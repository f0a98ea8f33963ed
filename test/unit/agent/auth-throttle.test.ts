/**
 * Failed authentications per address: after the limit, failures answer 429 with Retry-After (no
 * log line each), a valid token from the same address still works, and the window passing lets
 * the address fail "normally" again. Memory stays bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/index.js';
import { AuthThrottle } from '../../../agent/auth-throttle.js';
import { harness, TOKEN } from './helpers.js';

describe('auth throttle', () => {
  it('blocks an address past the limit until the window passes, and forgets the oldest addresses', () => {
    const clock = new ManualClock(0);
    const t = new AuthThrottle({ clock, limit: 3, windowMs: 10_000, maxAddresses: 2 });
    for (let i = 0; i < 3; i++) {
      expect(t.blocked('a')).toBeUndefined();
      t.failed('a');
    }
    expect(t.blocked('a')).toBe(10);
    clock.advance(6_000);
    expect(t.blocked('a')).toBe(4);
    clock.advance(4_001);
    expect(t.blocked('a')).toBeUndefined();
    for (const who of ['b', 'c', 'd']) for (let i = 0; i < 3; i++) t.failed(who);
    expect(t.blocked('b')).toBeUndefined(); // forgotten: only 2 addresses are kept
    expect(t.blocked('d')).toBeDefined();
  });
});

describe('auth throttle on the API', () => {
  const h = harness();
  afterEach(() => h.close());

  it('answers 429 to an address that keeps failing, while a valid token from it still works', async () => {
    const a = await h.start('alpha');
    const statuses: number[] = [];
    for (let i = 0; i < 122; i++) statuses.push((await fetch(`${a.url}/v1/deployments`, { headers: { authorization: 'Bearer wrong-token-000000000000' } })).status);
    expect(statuses.slice(0, 120).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(120)).toEqual([429, 429]);
    const r = await fetch(`${a.url}/v1/deployments`, { headers: { authorization: 'Bearer wrong-token-000000000000' } });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('KH-AGENT-025');
    expect((await fetch(`${a.url}/v1/deployments`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
