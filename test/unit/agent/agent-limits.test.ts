/**
 * Limits before work on the agent's HTTP server: slow-loris at twice the per-client cap (from
 * 127.0.0.2) — over-cap sockets get a coded 503 at once, /healthz from 127.0.0.1 still answers
 * quickly, stalled header senders are cut by the headers timeout; a declared body over the limit
 * is refused (413) before it is read.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, TOKEN } from './helpers.js';

function open(port: number, localAddress: string): Promise<{ socket: Socket; data: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, data: () => data, closed }));
    socket.once('error', reject);
  });
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.text();
  return { status: res.status, ms: performance.now() - t0 };
}

describe('HTTP limits', () => {
  const h = harness();
  afterEach(() => h.close());

  it('slow-loris at 2x the per-client cap: extra sockets get 503 KH-AGENT-024, /healthz keeps answering, stalled ones are cut', async () => {
    const cap = 20;
    const a = await h.start('alpha', { limits: { maxConnectionsPerClient: cap, headersTimeoutMs: 1500, requestTimeoutMs: 3000 } });
    const port = Number(new URL(a.url).port);
    const sockets = [];
    for (let i = 0; i < cap * 2; i++) {
      const s = await open(port, '127.0.0.2');
      s.socket.write(`GET /v1/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `); // headers never finish
      sockets.push(s);
    }
    // The over-cap half is answered and closed at once.
    await Promise.race([Promise.all(sockets.slice(cap).map((s) => s.closed)), new Promise((r) => setTimeout(r, 3000))]);
    const refused = sockets.filter((s) => s.data().startsWith('HTTP/1.1 503'));
    expect(refused.length).toBe(cap);
    expect(refused[0]!.data()).toContain('KH-AGENT-024');
    // Another client is served meanwhile, fast.
    const probes = [];
    for (let i = 0; i < 9; i++) probes.push(await timed(`${a.url}/healthz`));
    expect(probes.every((p) => p.status === 200)).toBe(true);
    // The median, on a shared 2-core box where the agent's engine may still be starting up.
    const ms = probes.map((p) => p.ms).sort((x, y) => x - y);
    expect(ms[4], `healthz latencies ${ms.map((x) => x.toFixed(0)).join(' ')} ms`).toBeLessThan(100);
    expect(ms[8]).toBeLessThan(2000);
    const api = await fetch(`${a.url}/v1/hosts`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
    // The stalled ones are cut by the headers timeout (node answers 408 or just closes).
    const cut = await Promise.race([Promise.all(sockets.slice(0, cap).map((s) => s.closed)).then(() => true), new Promise((r) => setTimeout(() => r(false), 8000))]);
    expect(cut).toBe(true);
    // Once they are gone, the same client may connect again.
    const again = await open(port, '127.0.0.2');
    again.socket.end('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await again.closed;
    expect(again.data()).toMatch(/^HTTP\/1\.1 200/);
    for (const s of sockets) s.socket.destroy();
  }, 30_000);

  it('refuses a declared body over the limit before reading it (413 KH-AGENT-023)', async () => {
    const a = await h.start('alpha', { limits: { maxBodyBytes: 1024 } });
    const port = Number(new URL(a.url).port);
    const s = await open(port, '127.0.0.1');
    // Declares 100 MB and sends none of it: the answer must not wait for the body.
    s.socket.write(`POST /v1/deployments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n`);
    await Promise.race([s.closed, new Promise((r) => setTimeout(r, 3000))]);
    expect(s.data()).toMatch(/^HTTP\/1\.1 413/);
    expect(s.data()).toContain('KH-AGENT-023');
    s.socket.destroy();
    const big = await fetch(`${a.url}/v1/deployments`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ name: 'x', source: 'y'.repeat(5000) }) });
    expect(big.status).toBe(413);
    await expect(h.start('beta', { limits: { maxConnectionsPerClient: 0 } })).rejects.toMatchObject({ code: 'KH-AGENT-001' });
  });
});

describe('connection cap defaults', () => {
  it('the total cap leaves half the open-files limit for storage and workloads', async () => {
    const { openFilesLimit, resolveHttpLimits } = await import('../../../agent/http-limits.js');
    expect(openFilesLimit('Max cpu time   unlimited\nMax open files            1024                 4096                 files\n')).toBe(1024);
    expect(resolveHttpLimits(undefined, 1024).maxConnections).toBe(512);
    expect(resolveHttpLimits(undefined, 1_048_576).maxConnections).toBe(1024);
    expect(resolveHttpLimits({ maxConnections: 5000 }, 1024).maxConnections).toBe(5000);
    expect(resolveHttpLimits(undefined, undefined).maxConnections).toBe(1024);
  });
});
