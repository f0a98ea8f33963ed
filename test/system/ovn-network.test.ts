/**
 * The OVN network runtime against the real daemons scripts/ci/daemons.sh starts (OVS userspace
 * datapath, OVN NB/SB, northd, ovn-controller): the network adapter contract with workloads in
 * network namespaces this test makes, then the OVN faults (name clash, a workload that died, the
 * host's own namespace, a missing or unreachable OVN), each followed by a listing of the backend.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import { runNetworkAdapterTests } from '../contracts/index.js';
import { waitFor } from '../contracts/wait-for.js';
import { OvnNetworkAdapter, switchName, vethNames } from '../../runtimes/ovn/index.js';
import type { NetworkSpec } from '../../runtimes/ovn/index.js';

const nbDb = process.env['KH_OVN_NB_DB'];
const ovsDb = process.env['KH_OVS_DB'];
const bridge = process.env['KH_OVN_BRIDGE'];
const enabled = ((): boolean => {
  if (nbDb && ovsDb && bridge) return true;
  if (process.env['CI']) throw new Error('KH_OVN_NB_DB is not set: scripts/ci/daemons.sh start did not start OVN');
  return false;
})();

const sh = (file: string, args: string[]): string => execFileSync(file, args, { encoding: 'utf8', timeout: 15_000 });
const nb = (...args: string[]): string => sh('ovn-nbctl', [`--db=${nbDb}`, ...args]);

/** Network namespaces and processes this file made, removed/killed by name/PID at the end. */
const namespaces: string[] = [];
const children: ChildProcess[] = [];
let nsSeq = 0;
function makeNamespace(): string {
  const name = `khovn${process.pid}x${nsSeq++}`;
  sh('ip', ['netns', 'add', name]);
  namespaces.push(name);
  return `/run/netns/${name}`;
}
function dropNamespace(path: string): void {
  const name = path.replace('/run/netns/', '');
  try {
    sh('ip', ['netns', 'delete', name]);
  } catch {
    // already gone
  }
  namespaces.splice(namespaces.indexOf(name), 1);
}
function stopChildren(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
}
afterAll(() => {
  stopChildren();
  for (const n of [...namespaces]) dropNamespace(`/run/netns/${n}`);
});

const SERVER = `require('node:net').createServer((s) => s.end('hi')).listen(Number(process.argv[1]), () => console.log('listening'))`;
const CLIENT = `const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(2500, () => { console.log('timeout'); process.exit(0); });
s.on('data', () => { console.log('ok'); process.exit(0); });
s.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'); process.exit(0); });`;

async function serve(netns: string, port: number): Promise<void> {
  const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('listening'), 'the TCP server in the namespace', 10_000);
}
function connect(netns: string, address: string, port: number): Promise<'ok' | 'refused' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', CLIENT, address, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve((out.trim() || 'timeout') as 'ok' | 'refused' | 'timeout'));
  });
}

/** Every switch, logical port, OVS port and host interface still there for `network`. */
function leftovers(network: string): string[] {
  const found: string[] = [];
  if (nb('--bare', '--columns=name', 'find', 'logical_switch', `name="${switchName(network)}"`).trim()) found.push(`switch ${switchName(network)}`);
  const lsps = nb('--bare', '--columns=name', 'find', 'logical_switch_port', `external_ids:khutulun-network="${network}"`).trim();
  if (lsps) found.push(`ports ${lsps}`);
  const ovsPorts = sh('ovs-vsctl', [`--db=${ovsDb}`, 'list-ports', bridge!]).split('\n').filter(Boolean);
  const links = sh('ip', ['-o', 'link', 'show']);
  for (const w of ['contract/a', 'contract/b', 'contract/client', 'contract/server', 'fault/w']) {
    const host = vethNames(network, w).host;
    if (ovsPorts.includes(host)) found.push(`ovs port ${host}`);
    if (links.includes(`${host}@`) || links.includes(`${host}:`)) found.push(`link ${host}`);
  }
  return found;
}

const network = (rejectPort?: number): NetworkSpec => ({
  kind: 'network',
  cidr: '10.77.0.0/24',
  ...(rejectPort !== undefined ? { acls: [{ action: 'reject', protocol: 'tcp', port: rejectPort }] } : {}),
});
const adapter = (): OvnNetworkAdapter => new OvnNetworkAdapter({ nbDb: nbDb!, ovsDb: ovsDb!, bridge: bridge! });

describe.skipIf(!enabled)('OVN networks (real OVS/OVN, userspace datapath)', () => {
  runNetworkAdapterTests('ovn', async () => {
    const made: string[] = [];
    return {
      create: async () => adapter(),
      network,
      badSpec: () => ({ kind: 'network', cidr: '10.77.0.1/24' }),
      namespaces: async () => {
        const pair: [string, string] = [makeNamespace(), makeNamespace()];
        made.push(...pair);
        return pair;
      },
      serve,
      connect,
      leftovers: async (id) => leftovers(id),
      codes: { badSpec: 'KH-OVN-BAD-SPEC', noNetwork: 'KH-OVN-NO-NETWORK' },
      async cleanup() {
        stopChildren();
        const a = adapter();
        for (const o of await a.list()) if (o.id.startsWith('contract/')) await a.remove(o.id);
        for (const n of made.splice(0)) dropNamespace(n);
      },
    };
  });

  const code = async (p: Promise<unknown>): Promise<string> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint ?? '').not.toBe('');
    return (e as KhutulunError).code;
  };

  it('a switch of the same name that is not ours is a name clash, left untouched', async () => {
    const id = `fault/clash-${process.pid}`;
    nb('ls-add', switchName(id));
    try {
      expect(await code(adapter().ensure(id, network()))).toBe('KH-OVN-NAME-CLASH');
      expect(nb('--bare', '--columns=name', 'find', 'logical_switch', `name="${switchName(id)}"`).trim()).toBe(switchName(id));
    } finally {
      nb('--if-exists', 'ls-del', switchName(id));
    }
  });

  it('refuses the host namespace and a dead one; a workload that died is cleaned up by detach and re-attached', async () => {
    const a = adapter();
    const id = `fault/net-${process.pid}`;
    await a.ensure(id, network());
    try {
      expect(await code(a.attach(id, 'fault/w', '/proc/self/ns/net'))).toBe('KH-OVN-NETNS');
      expect(await code(a.attach(id, 'fault/w', '/run/netns/kh-no-such-ns'))).toBe('KH-OVN-NETNS');
      expect(leftovers(id)).toEqual([`switch ${switchName(id)}`]);
      const ns = makeNamespace();
      const first = await a.attach(id, 'fault/w', ns);
      dropNamespace(ns); // the workload died: its veth pair went with its namespace
      const again = makeNamespace();
      const second = await a.attach(id, 'fault/w', again); // stale port replaced, same address
      expect(second.address).toBe(first.address);
      expect((await a.attachments(id)).length).toBe(1);
      dropNamespace(again);
      await a.detach(id, 'fault/w');
      expect(leftovers(id)).toEqual([`switch ${switchName(id)}`]);
    } finally {
      await a.remove(id);
    }
    expect(leftovers(id)).toEqual([]);
  });

  it('an unreachable northbound database and missing binaries are coded, actionable errors', async () => {
    const down = new OvnNetworkAdapter({ nbDb: 'unix:/nonexistent/ovnnb_db.sock', ovsDb: ovsDb!, bridge: bridge! });
    expect(await code(down.ready())).toBe('KH-OVN-UNREACHABLE');
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(await code(adapter().ready())).toBe('KH-OVN-UNAVAILABLE');
    } finally {
      process.env['PATH'] = path;
    }
  });
});
