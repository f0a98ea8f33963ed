/** PortManager I/O: real bind probes, the durable JSON store, and the manager's bounded retries. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KhutulunError, ManualClock, seededRandom } from '../../../common/index.js';
import { JsonFilePortStore, MemoryPortStore, PortManager, probePort } from '../../../runtimes/ports/index.js';
import type { PortReservationStore } from '../../../runtimes/ports/index.js';

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kh-ports-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    return (e as KhutulunError).code;
  }
  return 'none';
}

describe('probePort', () => {
  it('sees a port bound by someone else as busy, and free once released', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    expect(await probePort(port, 'tcp', '127.0.0.1')).toBe(false);
    await new Promise<void>((r) => server.close(() => r()));
    expect(await probePort(port, 'tcp', '127.0.0.1')).toBe(true);
    expect(await probePort(port, 'udp', '127.0.0.1')).toBe(true);
  });
});

describe('PortManager', () => {
  const options = (store: PortReservationStore = new MemoryPortStore()) => ({ host: 'h1', store, range: { min: 31000, max: 31009 }, clock: new ManualClock(5), random: seededRandom(1) });

  it('skips ports that are busy outside the ledger, bounded, and records the reservation', async () => {
    const busy = new Set([31000, 31001, 31002, 31003, 31004, 31005, 31006, 31007, 31008, 31009]);
    busy.delete(31004);
    const m = new PortManager({ ...options(), range: { min: 31000, max: 31009 }, probe: async (p) => !busy.has(p) });
    const r = await m.reserve('d/a', { name: 'http', protocol: 'tcp' });
    expect(r.port).toBe(31004);
    expect(r.reservedAt).toBe(5);
    expect((await m.reserve('d/a', { name: 'http', protocol: 'tcp' })).port).toBe(31004); // idempotent
    busy.add(31004);
    expect(await codeOf(m.reserve('d/b', { name: 'http', protocol: 'tcp' }))).toBe('KH-PORT-002');
  });

  it('a fixed host port that something else holds is a coded error, not a silent move', async () => {
    const m = new PortManager({ ...options(), probe: async () => false });
    expect(await codeOf(m.reserve('d/a', { name: 'http', protocol: 'tcp', hostPort: 31003 }))).toBe('KH-PORT-001');
  });

  it('reserveAll fills host ports; release frees only this host’s slice; endpoint resolves', async () => {
    const store = new MemoryPortStore();
    const h1 = new PortManager({ ...options(store), probe: async () => true });
    const h2 = new PortManager({ ...options(store), host: 'h2', probe: async () => true });
    const ports = await h1.reserveAll('d/a', [{ name: 'http', protocol: 'tcp', containerPort: 80 }, { name: 'dns', protocol: 'udp' }]);
    expect(ports.every((p) => p.hostPort !== undefined && p.hostPort >= 31000)).toBe(true);
    await h2.reserve('d/a', { name: 'http', protocol: 'tcp' });
    expect(await h1.endpoint('d/a', 'dns', () => '192.0.2.1')).toMatchObject({ host: 'h1', protocol: 'udp' });
    expect((await h1.release('d/a')).length).toBe(2);
    expect(Object.keys((await store.load()).hosts['h2'] ?? {})).toHaveLength(1);
  });

  it('the JSON store is durable across instances and refuses to overwrite a corrupt record', async () => {
    const path = join(scratch(), 'ports.json');
    const first = new PortManager({ ...options(new JsonFilePortStore(path)), probe: async () => true });
    const r = await first.reserve('d/a', { name: 'http', protocol: 'tcp' });
    const second = new PortManager({ ...options(new JsonFilePortStore(path)), probe: async () => true });
    expect((await second.reserve('d/a', { name: 'http', protocol: 'tcp' })).port).toBe(r.port);
    expect((await second.reserve('d/b', { name: 'http', protocol: 'tcp' })).port).not.toBe(r.port);
    writeFileSync(path, '{"hosts": [truncated');
    expect(await codeOf(second.reserve('d/c', { name: 'x', protocol: 'tcp' }))).toBe('KH-PORT-004');
  });

  it('concurrent reservations through one store never share a port', async () => {
    const m = new PortManager({ ...options(new JsonFilePortStore(join(scratch(), 'p.json'))), probe: async () => true });
    const got = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((w) => m.reserve(`d/${w}`, { name: 'http', protocol: 'tcp' })));
    expect(new Set(got.map((r) => r.port)).size).toBe(5);
  });
});
