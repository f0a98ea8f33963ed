/**
 * VirtualMachineSpec -> libvirt domain XML, and back to our identity (pure). The domain's
 * <description> carries `khutulun:{"workload","host","hash"}` so list() re-attaches to exactly
 * what this host defined, on any driver (test, qemu).
 */
import { createHash } from 'node:crypto';
import type { VirtualMachineSpec, WorkloadId } from '../workload.js';
import { badSpec } from './errors.js';

const MIB = 1024 * 1024;

export function validateVmSpec(spec: unknown): asserts spec is VirtualMachineSpec {
  if (typeof spec !== 'object' || spec === null) throw badSpec('vm spec must be an object');
  const s = spec as Partial<VirtualMachineSpec> & { kind?: unknown };
  if (s.kind !== 'vm') throw badSpec(`spec kind must be "vm", got ${JSON.stringify(s.kind)}`);
  if (!Number.isInteger(s.vcpus) || s.vcpus! < 1 || s.vcpus! > 512) throw badSpec('vcpus must be an integer in 1..512', 'vcpus');
  if (!Number.isInteger(s.memory) || s.memory! < 16 * MIB) throw badSpec('memory must be bytes, at least 16 MiB', 'memory');
  for (const field of ['kernel', 'initrd', 'cmdline'] as const) {
    const v = s[field];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.includes('\0'))) throw badSpec(`${field} must be a non-empty string`, field);
  }
  for (const field of ['kernel', 'initrd'] as const) if (s[field] !== undefined && !s[field]!.startsWith('/')) throw badSpec(`${field} must be an absolute host path`, field);
  if (s.initrd !== undefined && s.kernel === undefined) throw badSpec('initrd needs a kernel', 'initrd');
  if (s.cmdline !== undefined && s.kernel === undefined) throw badSpec('cmdline needs a kernel (direct kernel boot)', 'cmdline');
  if (s.disk !== undefined) {
    if (typeof s.disk !== 'object' || s.disk === null || typeof s.disk.path !== 'string' || !s.disk.path.startsWith('/')) throw badSpec('disk needs an absolute path', 'disk');
    if (s.disk.format !== undefined && s.disk.format !== 'raw' && s.disk.format !== 'qcow2') throw badSpec('disk.format must be raw or qcow2', 'disk');
  }
  if (s.kernel === undefined && s.disk === undefined) throw badSpec('give a kernel (direct boot) or a disk to boot from', 'kernel');
  if (s.networks !== undefined) {
    if (!Array.isArray(s.networks)) throw badSpec('networks must be a list', 'networks');
    s.networks.forEach((n, i) => {
      if (n.type !== 'user' && n.type !== 'network') throw badSpec(`networks[${i}].type must be user or network`, 'networks');
      if (n.type === 'network' && (typeof n.source !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(n.source))) throw badSpec(`networks[${i}] needs a libvirt network name`, 'networks');
    });
  }
  if (s.domainType !== undefined && !['kvm', 'qemu', 'test'].includes(s.domainType)) throw badSpec('domainType must be kvm, qemu or test', 'domainType');
  if (s.stopTimeoutMs !== undefined && !(Number.isInteger(s.stopTimeoutMs) && s.stopTimeoutMs >= 0)) throw badSpec('stopTimeoutMs must be >= 0', 'stopTimeoutMs');
}

export function domainName(id: WorkloadId): string {
  const safe = id.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+/, '').slice(0, 40);
  return `kh-${safe}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function vmSpecHash(spec: VirtualMachineSpec): string {
  return createHash('sha256').update(canonical(spec)).digest('hex').slice(0, 16);
}

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export interface DomainIdentity {
  workload: WorkloadId;
  host: string;
  hash: string;
}

const MARK = 'khutulun:';

export interface DomainXmlContext {
  identity: DomainIdentity;
  /** kvm / qemu / test (resolved by the adapter). */
  type: 'kvm' | 'qemu' | 'test';
  /** Serial console output file (absent on the test driver). */
  consoleLog?: string;
}

export function domainXml(id: WorkloadId, spec: VirtualMachineSpec, context: DomainXmlContext): string {
  const e = escapeXml;
  const kib = Math.floor(spec.memory / 1024);
  const os = [
    `<type arch='x86_64'${context.type === 'test' ? '' : " machine='pc'"}>hvm</type>`,
    ...(spec.kernel ? [`<kernel>${e(spec.kernel)}</kernel>`] : []),
    ...(spec.initrd ? [`<initrd>${e(spec.initrd)}</initrd>`] : []),
    ...(spec.cmdline ? [`<cmdline>${e(spec.cmdline)}</cmdline>`] : []),
    ...(spec.kernel ? [] : ["<boot dev='hd'/>"]),
  ];
  const devices: string[] = [];
  if (spec.disk) {
    devices.push(
      `<disk type='file' device='disk'><driver name='qemu' type='${spec.disk.format ?? 'raw'}'/><source file='${e(spec.disk.path)}'/><target dev='vda' bus='virtio'/>${spec.disk.readOnly ? '<readonly/>' : ''}</disk>`,
    );
  }
  for (const n of spec.networks ?? []) {
    devices.push(n.type === 'user' ? "<interface type='user'><model type='virtio'/></interface>" : `<interface type='network'><source network='${e(n.source!)}'/><model type='virtio'/></interface>`);
  }
  if (context.consoleLog) {
    devices.push(`<serial type='file'><source path='${e(context.consoleLog)}'/><target port='0'/></serial>`);
  }
  return [
    `<domain type='${context.type}'>`,
    `<name>${e(domainName(id))}</name>`,
    `<description>${e(MARK + JSON.stringify(context.identity))}</description>`,
    `<memory unit='KiB'>${kib}</memory>`,
    `<vcpu>${spec.vcpus}</vcpu>`,
    `<os>${os.join('')}</os>`,
    '<features><acpi/></features>',
    '<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>',
    `<devices>${devices.join('')}</devices>`,
    '</domain>',
  ].join('\n');
}

const unescapeXml = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Our identity from a domain's XML, or undefined for a domain Khutulun did not define. */
export function parseIdentity(xml: string): DomainIdentity | undefined {
  const m = /<description>([^<]*)<\/description>/.exec(xml);
  if (!m) return undefined;
  const text = unescapeXml(m[1]!);
  if (!text.startsWith(MARK)) return undefined;
  try {
    const v = JSON.parse(text.slice(MARK.length)) as Partial<DomainIdentity>;
    return typeof v.workload === 'string' && typeof v.host === 'string' && typeof v.hash === 'string' ? { workload: v.workload, host: v.host, hash: v.hash } : undefined;
  } catch {
    return undefined;
  }
}
