/**
 * firewalld for real: a TCP server in firewalld's network namespace, a client in a namespace this
 * test makes (veth pair, private addresses that exist only inside these two namespaces). The port
 * is refused before, served while FirewallGuard holds it open, refused again after.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KhutulunError } from '../../common/index.js';
import { detectFirewalld, FirewalldClient, FirewallGuard } from '../../runtimes/firewall/index.js';
import type { PortSpec } from '../../runtimes/workload.js';

const fwNetns = process.env['KH_FW_NETNS'];
const zone = process.env['KH_FW_ZONE'] ?? 'public';

function requireFirewalld(): boolean {
  if (fwNetns && process.env['DBUS_SYSTEM_BUS_ADDRESS']) return true;
  if (process.env['CI']) throw new Error('KH_FW_NETNS/DBUS_SYSTEM_BUS_ADDRESS not set: scripts/ci/daemons.sh start did not run or failed');
  return false;
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** One client attempt: `served`, or the error code the kernel gave (bounded by a 3 s timeout). */
function tryConnect(clientNs: string, address: string, port: number): string {
  const script = `
    const s = require('net').connect({ host: '${address}', port: ${port} });
    const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, 3000);
    s.on('data', (d) => { console.log(String(d).trim() === 'pong' ? 'served' : 'garbled'); clearTimeout(t); s.destroy(); });
    s.on('error', (e) => { console.log(e.code); clearTimeout(t); });`;
  return execFileSync('ip', ['netns', 'exec', clientNs, process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000 }).trim();
}

describe.skipIf(!requireFirewalld())('firewalld opens and closes a reserved port', () => {
  const tag = (process.pid % 10000).toString(36);
  const clientNs = `khcl${tag}`;
  const vethFw = `khfa${tag}`;
  const vethCl = `khfb${tag}`;
  const octet = 10 + (process.pid % 200);
  const serverAddress = `10.213.${octet}.1`;
  const clientAddress = `10.213.${octet}.2`;
  const port = 18000 + (process.pid % 1000);
  let server: ChildProcess | undefined;
  const client = new FirewalldClient();

  beforeAll(async () => {
    ip('netns', 'add', clientNs);
    ip('link', 'add', vethFw, 'type', 'veth', 'peer', 'name', vethCl);
    ip('link', 'set', vethFw, 'netns', fwNetns!);
    ip('link', 'set', vethCl, 'netns', clientNs);
    ip('-n', fwNetns!, 'addr', 'add', `${serverAddress}/30`, 'dev', vethFw);
    ip('-n', clientNs, 'addr', 'add', `${clientAddress}/30`, 'dev', vethCl);
    ip('-n', fwNetns!, 'link', 'set', vethFw, 'up');
    ip('-n', clientNs, 'link', 'set', vethCl, 'up');
    ip('-n', clientNs, 'link', 'set', 'lo', 'up');
    const serverScript = `require('net').createServer((s) => { s.end('pong\\n'); }).listen(${port}, '0.0.0.0', () => console.log('listening'));`;
    server = spawn('ip', ['netns', 'exec', fwNetns!, process.execPath, '-e', serverScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server did not start')), 10_000);
      server!.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
    });
    await client.removePort({ port, protocol: 'tcp', zone }); // a clean start even after a crashed run
  });

  afterAll(async () => {
    await client.removePort({ port, protocol: 'tcp', zone }).catch(() => undefined);
    await client.close();
    if (server?.pid) process.kill(server.pid, 'SIGTERM');
    try {
      ip('-n', fwNetns!, 'link', 'del', vethFw);
    } catch {
      // already gone with the peer
    }
    ip('netns', 'del', clientNs);
  });

  it('detects a running firewalld', async () => {
    const d = await detectFirewalld();
    expect(d.available).toBe(true);
    expect(d.state).toBe('RUNNING');
    expect(d.defaultZone).toBeTruthy();
  });

  it('refused before, served while open, refused after', async () => {
    expect(tryConnect(clientNs, serverAddress, port)).not.toBe('served');
    const guard = new FirewallGuard(client);
    const ports: PortSpec[] = [{ name: 'api', protocol: 'tcp', hostPort: port, firewallZone: zone }];
    const opened = await guard.open(ports);
    expect(opened).toEqual([{ port, protocol: 'tcp', zone }]);
    expect(await client.queryPort({ port, protocol: 'tcp', zone })).toBe(true);
    expect(tryConnect(clientNs, serverAddress, port)).toBe('served');
    await guard.open(ports); // idempotent
    await guard.close(ports);
    expect(await client.queryPort({ port, protocol: 'tcp', zone })).toBe(false);
    expect(tryConnect(clientNs, serverAddress, port)).not.toBe('served');
    await guard.close(ports); // idempotent
  });

  it('permanent rules go to the zone configuration too', async () => {
    const rule = { port: port + 1, protocol: 'udp' as const, zone };
    await client.addPort(rule, { permanent: true });
    expect(await client.queryPort(rule)).toBe(true);
    await client.removePort(rule, { permanent: true });
    expect(await client.queryPort(rule)).toBe(false);
  });

  it('coded errors: unknown zone, bad port, firewalld not reachable', async () => {
    const invalid = await client.addPort({ port, protocol: 'tcp', zone: 'no-such-zone' }).catch((e: unknown) => e);
    expect((invalid as KhutulunError).code).toBe('KH-FW-002');
    const bad = await client.addPort({ port: 70000, protocol: 'tcp', zone }).catch((e: unknown) => e);
    expect((bad as KhutulunError).code).toBe('KH-FW-004');
    const nowhere = new FirewalldClient({ address: 'unix:path=/nonexistent/kh-bus.sock' });
    const down = await nowhere.addPort({ port, protocol: 'tcp', zone }).catch((e: unknown) => e);
    expect((down as KhutulunError).code).toBe('KH-FW-001');
    expect((down as KhutulunError).retryable).toBe(true);
    expect((down as KhutulunError).hint).toMatch(/firewalld/);
    await nowhere.close();
    const d = await detectFirewalld({ address: 'unix:path=/nonexistent/kh-bus.sock' });
    expect(d.available).toBe(false);
    expect(d.problem?.code).toBe('KH-FW-001');
  });
});
