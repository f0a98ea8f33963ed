/**
 * Sync lag per peer on /metrics: two real agents; while the peer beats the lag stays below a few
 * heartbeats, and once the peer is gone it grows with the time since it was last heard from.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, harness, TOKEN } from './helpers.js';

async function lagOf(url: string, peer: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const m = new RegExp(`^khutulun_peer_sync_lag_seconds\\{peer="${peer}"\\} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('khutulun_peer_sync_lag_seconds', () => {
  const h = harness();
  afterEach(() => h.close());

  it('is small while the peer beats and grows once it is gone', async () => {
    const a = await h.start('alpha', { heartbeatMs: 100 });
    const b = await h.start('beta', { peers: [a.address], heartbeatMs: 100 });
    const live = await eventually(async () => {
      const v = await lagOf(a.url, 'beta');
      return v !== undefined && v < 1 ? v : undefined;
    }, 15_000, 'a small lag for beta');
    expect(live).toBeGreaterThanOrEqual(0);
    expect(await lagOf(a.url, 'alpha')).toBeUndefined(); // not for itself
    const hosts = (await (await fetch(`${a.url}/v1/hosts`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { name: string; heardAgoMs?: number }[];
    expect(hosts.find((x) => x.name === 'beta')?.heardAgoMs).toBeLessThan(1000);

    await b.close();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await lagOf(a.url, 'beta')).toBeGreaterThan(1);
  });
});
