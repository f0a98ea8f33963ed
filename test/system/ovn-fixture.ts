/**
 * Shared by the OVN system tests: the daemons' endpoints (from scripts/ci/daemons.sh), network
 * namespaces and TCP servers/clients inside them (made, killed and deleted by this file, by PID
 * and name), and a listing of what OVN/OVS/the kernel still hold for a network.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../contracts/wait-for.js';
import { switchName, vethNames } from '../../runtimes/ovn/index.js';

export const nbDb = process.env['KH_OVN_NB_DB'];
export const ovsDb = process.env['KH_OVS_DB'];
export const bridge = process.env['KH_OVN_BRIDGE'];

export const sh = (file: string, args: string[]): string => execFileSync(file, args, { encoding: 'utf8', timeout: 15_000 });
export const nb = (...args: string[]): string => sh('ovn-nbctl', [`--db=${nbDb}`, ...args]);

/** Network namespaces and processes this file made, removed/killed by name/PID at the end. */
const namespaces: string[] = [];
const children: ChildProcess[] = [];
let nsSeq = 0;
export function makeNamespace(): string {
  const name = `khovn${process.pid}x${nsSeq++}`;
  sh('ip', ['netns', 'add', name]);
  namespaces.push(name);
  return `/run/netns/${name}`;
}
export function dropNamespace(path: string): void {
  const name = path.replace('/run/netns/', '');
  try {
    sh('ip', ['netns', 'delete', name]);
  } catch {
    // already gone
  }
  namespaces.splice(namespaces.indexOf(name), 1);
}
export function stopChildren(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
}
/** Kills what this file started and deletes its namespaces (call from afterAll). */
export function teardown(): void {
  stopChildren();
  for (const n of [...namespaces]) dropNamespace(`/run/netns/${n}`);
}

const SERVER = `require('node:net').createServer((s) => s.end('hi')).listen(Number(process.argv[1]), () => console.log('listening'))`;
const CLIENT = `const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(2500, () => { console.log('timeout'); process.exit(0); });
s.on('connect', () => s.write('GET / HTTP/1.0\\r\\n\\r\\n')); // an HTTP server answers only a request
s.on('data', () => { console.log('ok'); process.exit(0); });
s.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'); process.exit(0); });`;

export async function serve(netns: string, port: number): Promise<void> {
  const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('listening'), 'the TCP server in the namespace', 10_000);
}
export function connect(netns: string, address: string, port: number): Promise<'ok' | 'refused' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', CLIENT, address, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve((out.trim() || 'timeout') as 'ok' | 'refused' | 'timeout'));
  });
}

/** Every switch, logical port, OVS interface and host veth still there for `network` (`workloads`: whose veths to look for). */
export function leftovers(network: string, workloads: readonly string[] = []): string[] {
  const found: string[] = [];
  if (nb('--bare', '--columns=name', 'find', 'logical_switch', `name="${switchName(network)}"`).trim()) found.push(`switch ${switchName(network)}`);
  const lsps = nb('--bare', '--columns=name', 'find', 'logical_switch_port', `external_ids:khutulun-network="${network}"`).trim();
  if (lsps) found.push(`ports ${lsps}`);
  const ifaces = JSON.parse(sh('ovs-vsctl', [`--db=${ovsDb}`, '--format=json', '--columns=name,external_ids', 'list', 'interface'])) as { data: [string, [string, [string, string][]]][] };
  for (const [name, [, ids]] of ifaces.data) {
    if (ids.some(([k, v]) => k === 'iface-id' && v.startsWith(`kh-${network}@`))) found.push(`ovs interface ${name}`);
  }
  const links = sh('ip', ['-o', 'link', 'show']);
  for (const w of workloads) {
    const host = vethNames(network, w).host;
    if (links.includes(`${host}@`) || links.includes(`${host}:`)) found.push(`link ${host}`);
  }
  return found;
}
