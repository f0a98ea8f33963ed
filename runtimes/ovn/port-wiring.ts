/**
 * Wires one logical port into a workload's network namespace on this chassis: a veth pair made
 * inside the namespace with its host end pushed back here, the host end on the OVN integration
 * bridge with `external_ids:iface-id=<port>`, the address and MAC set inside, and transmit checksum
 * offload off on both ends (the userspace `netdev` datapath leaves TCP checksums wrong otherwise).
 * Unwiring deletes the OVS port and the veth (both ends go with one).
 */
import { statSync } from 'node:fs';
import { OvnErrorCode, ovnError } from './errors.js';
import { runCommand } from './ovn-cli.js';

export interface Wiring {
  ovsDb: string;
  bridge: string;
  /** Logical port name (iface-id). */
  port: string;
  hostIf: string;
  insideIf: string;
  /** Network namespace path: /proc/<pid>/ns/net or /run/netns/<name>. */
  netns: string;
  mac: string;
  address: string;
  prefix: number;
  workload: string;
}

/** Throws a coded error unless `netns` is a live namespace other than this process's own. */
export function checkNamespace(netns: string, workload: string): void {
  let target;
  try {
    target = statSync(netns);
  } catch {
    throw ovnError(OvnErrorCode.badNamespace, `the network namespace ${netns} of ${workload} does not exist (the workload died or never ran)`, 'start the workload again, then attach it', { retryable: true, details: { netns } });
  }
  const own = statSync('/proc/self/ns/net');
  if (target.ino === own.ino && target.dev === own.dev) {
    throw ovnError(OvnErrorCode.badNamespace, `${workload} shares the host's network namespace: an OVN port cannot be given to it`, 'run the workload in a network namespace of its own (a container, a system container with network private, or a process started in a netns)', { details: { netns } });
  }
}

const inside = (w: Wiring, args: string[], input?: string): Promise<string> => runCommand('nsenter', [`--net=${w.netns}`, '--', ...args], undefined, input);

async function linkExists(name: string): Promise<boolean> {
  try {
    await runCommand('ip', ['link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

/** Whether the host end is still there (a namespace that died takes its veth pair with it). */
export async function wired(w: Pick<Wiring, 'hostIf'>): Promise<boolean> {
  return linkExists(w.hostIf);
}

export async function wire(w: Wiring): Promise<void> {
  checkNamespace(w.netns, w.workload);
  // One `ip -batch` inside: the pair made there with its host end pushed back to this process's
  // namespace (no name clash in the host's), then the address, MAC and links up.
  const batch = [
    `link add ${w.insideIf} type veth peer name ${w.hostIf} netns ${process.pid}`,
    `link set dev ${w.insideIf} address ${w.mac}`,
    `address add ${w.address}/${w.prefix} dev ${w.insideIf}`,
    'link set dev lo up',
    `link set dev ${w.insideIf} up`,
  ].join('\n');
  try {
    await inside(w, ['ip', '-batch', '-'], batch);
    await inside(w, ['ethtool', '-K', w.insideIf, 'tx', 'off']);
    await runCommand('ip', ['link', 'set', 'dev', w.hostIf, 'up']);
    await runCommand('ethtool', ['-K', w.hostIf, 'tx', 'off']);
    await runCommand('ovs-vsctl', [
      `--db=${w.ovsDb}`, '--may-exist', 'add-port', w.bridge, w.hostIf, '--',
      'set', 'interface', w.hostIf, `external_ids:iface-id=${w.port}`, `external_ids:khutulun-workload=${w.workload}`,
    ]);
  } catch (error) {
    await unwire(w).catch(() => undefined);
    throw error;
  }
}

export async function unwire(w: Pick<Wiring, 'ovsDb' | 'bridge' | 'hostIf'>): Promise<void> {
  await runCommand('ovs-vsctl', [`--db=${w.ovsDb}`, '--if-exists', 'del-port', w.bridge, w.hostIf]);
  if (await linkExists(w.hostIf)) await runCommand('ip', ['link', 'delete', 'dev', w.hostIf]);
}
