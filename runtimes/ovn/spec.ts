/**
 * OVN networks as plain data, and the pure rules the adapter applies: the subnet, which address a
 * new port gets, its MAC, the names of switches/ports/veths, and the ACL match strings. No I/O here.
 */
import { createHash } from 'node:crypto';
import { badSpec } from './errors.js';
import type { NetworkAclRule, NetworkSpec } from '../workload.js';

export type { NetworkAclRule, NetworkSpec } from '../workload.js';

export interface Subnet {
  /** Network address as a 32-bit number. */
  base: number;
  prefix: number;
}

const ACTIONS = ['allow', 'reject', 'drop'] as const;
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'ip'] as const;

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/p` (16 ≤ p ≤ 29: room for a router and workloads, not a whole /8). */
export function parseCidr(cidr: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const ip = m ? ipToInt(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 16 && prefix <= 29)) throw badSpec(`cidr ${JSON.stringify(cidr)} is not an IPv4 subnet /16../29`, 'cidr');
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) throw badSpec(`cidr ${cidr} has host bits set (the network is ${intToIp((ip & mask) >>> 0)}/${prefix})`, 'cidr');
  return { base: ip, prefix };
}

/** The first and last address workloads may get (.1 is kept for a logical router). */
export function hostRange(subnet: Subnet): { first: number; last: number } {
  const size = 2 ** (32 - subnet.prefix);
  return { first: subnet.base + 2, last: subnet.base + size - 2 };
}

/** The lowest free workload address, or undefined when the subnet is full. */
export function pickAddress(subnet: Subnet, used: ReadonlySet<string>): string | undefined {
  const { first, last } = hostRange(subnet);
  for (let n = first; n <= last; n++) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A stable, locally administered unicast MAC per logical port. */
export function macFor(portName: string): string {
  const h = digest(`mac:${portName}`);
  return ['0a', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

/** The logical switch of a network workload (`kh-<deployment>/<vertex>`). */
export function switchName(networkId: string): string {
  return `kh-${networkId}`;
}

/** The logical port of a workload on a network. */
export function portName(networkId: string, workloadId: string): string {
  return `kh-${networkId}@${workloadId}`;
}

/** Interface names (≤ 15 bytes): the host end on the OVS bridge and the end inside the workload. */
export function vethNames(networkId: string, workloadId: string): { host: string; inside: string } {
  return { host: `kho${digest(portName(networkId, workloadId)).slice(0, 11)}`, inside: `ovn${digest(networkId).slice(0, 8)}` };
}

/** The OVN match of a rule, for traffic towards the switch's ports. */
export function aclMatch(rule: NetworkAclRule): string {
  if (rule.protocol === 'ip') return 'ip4';
  if (rule.protocol === 'icmp') return 'ip4 && icmp4';
  return rule.port === undefined ? `ip4 && ${rule.protocol}` : `ip4 && ${rule.protocol}.dst == ${rule.port}`;
}

/** `allow` keeps replies of allowed connections flowing (conntrack): OVN's allow-related. */
export function aclAction(rule: NetworkAclRule): string {
  return rule.action === 'allow' ? 'allow-related' : rule.action;
}

/** Priorities from 2000 down, so the list order is the precedence. */
export function aclPriority(index: number): number {
  return 2000 - index;
}

/** Checks a network spec; the coded error names the field. */
export function validateNetworkSpec(spec: { kind: string; [key: string]: unknown }): NetworkSpec {
  if (spec.kind !== 'network') throw badSpec(`the ovn runtime runs networks, not ${JSON.stringify(spec.kind)}`, 'kind');
  if (typeof spec.cidr !== 'string') throw badSpec('a network needs cidr (e.g. 10.77.0.0/24)', 'cidr');
  parseCidr(spec.cidr);
  const acls = spec.acls;
  if (acls !== undefined) {
    if (!Array.isArray(acls) || acls.length > 1000) throw badSpec('acls must be a list (at most 1000 rules)', 'acls');
    acls.forEach((r: unknown, i) => {
      const rule = r as Partial<NetworkAclRule> | null;
      if (typeof rule !== 'object' || rule === null) throw badSpec(`acls[${i}] must be a map`, 'acls');
      if (!(ACTIONS as readonly unknown[]).includes(rule.action)) throw badSpec(`acls[${i}].action must be allow, reject or drop`, 'acls');
      if (!(PROTOCOLS as readonly unknown[]).includes(rule.protocol)) throw badSpec(`acls[${i}].protocol must be tcp, udp, icmp or ip`, 'acls');
      if (rule.port !== undefined) {
        if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') throw badSpec(`acls[${i}].port needs protocol tcp or udp`, 'acls');
        if (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535) throw badSpec(`acls[${i}].port must be 1..65535`, 'acls');
      }
    });
  }
  return spec as unknown as NetworkSpec;
}

/** A short fingerprint of what the switch must look like (stored on it, compared by ensure). */
export function specDigest(spec: NetworkSpec): string {
  return digest(JSON.stringify({ cidr: spec.cidr, acls: spec.acls ?? [] })).slice(0, 16);
}
