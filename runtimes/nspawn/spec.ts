/**
 * SystemContainerSpec (kind `system-container`) and its pure translation into the
 * systemd-nspawn command line. No I/O here: all of it is unit-tested directly.
 */
import { createHash } from 'node:crypto';
import type { RestartPolicy, SystemContainerSpec, WorkloadId } from '../workload.js';
import { badSpec } from './errors.js';

export type { SystemContainerSpec } from '../workload.js';

const NETWORKS = ['host', 'private', 'veth'] as const;
const RESTART: readonly RestartPolicy[] = ['never', 'on-failure', 'always'];
const SIGNAL_RE = /^SIG[A-Z0-9+]+$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Throws KH-NSPAWN-BAD-SPEC on anything nspawn would reject or misread. */
export function validateSystemContainerSpec(spec: unknown): asserts spec is SystemContainerSpec {
  if (typeof spec !== 'object' || spec === null) throw badSpec('system container spec must be an object');
  const s = spec as Partial<SystemContainerSpec> & { kind?: unknown };
  if (s.kind !== 'system-container') throw badSpec(`spec kind must be "system-container", got ${JSON.stringify(s.kind)}`);
  const sources = [s.directory, s.imageTar].filter((x) => x !== undefined);
  if (sources.length !== 1) throw badSpec('give exactly one of directory or imageTar', 'directory');
  for (const field of ['directory', 'imageTar', 'workingDir', 'user', 'killSignal'] as const) {
    const v = s[field];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.includes('\0'))) throw badSpec(`${field} must be a non-empty string`, field);
  }
  if (s.boot !== undefined && typeof s.boot !== 'boolean') throw badSpec('boot must be a boolean', 'boot');
  if (s.command !== undefined && (!strings(s.command) || s.command.length === 0)) throw badSpec('command must be a non-empty list of strings', 'command');
  if (!s.boot && s.command === undefined) throw badSpec('single-command mode needs a command (or set boot: true)', 'command');
  if (s.boot && s.command !== undefined) throw badSpec('boot mode runs the tree\'s init: give no command', 'command');
  if (s.workingDir !== undefined && !s.workingDir.startsWith('/')) throw badSpec('workingDir must be an absolute path inside the machine', 'workingDir');
  if (s.killSignal !== undefined && !SIGNAL_RE.test(s.killSignal)) throw badSpec('killSignal must look like SIGTERM or SIGRTMIN+3', 'killSignal');
  if (s.network !== undefined && !(NETWORKS as readonly string[]).includes(s.network)) throw badSpec(`network must be one of ${NETWORKS.join(', ')}`, 'network');
  if (s.ports?.length && (s.network ?? 'host') !== 'host') throw badSpec('ports are host ports: they need network host', 'ports');
  if (s.restart !== undefined && !RESTART.includes(s.restart)) throw badSpec('restart must be never, on-failure or always', 'restart');
  if (s.readOnly !== undefined && typeof s.readOnly !== 'boolean') throw badSpec('readOnly must be a boolean', 'readOnly');
  if (s.env !== undefined) {
    if (typeof s.env !== 'object' || s.env === null || Array.isArray(s.env)) throw badSpec('env must be an object of strings', 'env');
    for (const [k, v] of Object.entries(s.env)) {
      if (!ENV_KEY_RE.test(k) || typeof v !== 'string' || v.includes('\0')) throw badSpec(`env ${JSON.stringify(k)} is invalid`, 'env');
    }
  }
  if (s.mounts !== undefined) {
    if (!Array.isArray(s.mounts)) throw badSpec('mounts must be a list', 'mounts');
    s.mounts.forEach((m, i) => {
      if (typeof m !== 'object' || m === null) throw badSpec(`mounts[${i}] must be an object`, 'mounts');
      if ((m.type ?? 'bind') !== 'bind') throw badSpec(`mounts[${i}]: only bind mounts`, 'mounts');
      if (typeof m.source !== 'string' || !m.source.startsWith('/') || typeof m.target !== 'string' || !m.target.startsWith('/')) {
        throw badSpec(`mounts[${i}] needs absolute source and target paths`, 'mounts');
      }
      if ([m.source, m.target].some((p) => p.includes(':') || p.includes('\0'))) throw badSpec(`mounts[${i}]: paths may not contain ":"`, 'mounts');
    });
  }
  if (s.stopTimeoutMs !== undefined && !(Number.isInteger(s.stopTimeoutMs) && s.stopTimeoutMs >= 0)) throw badSpec('stopTimeoutMs must be >= 0', 'stopTimeoutMs');
}

/** A valid, stable, unique machine name (hostname rules, at most 64 characters). */
export function machineName(id: WorkloadId): string {
  const safe = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `kh-${safe}-${digest}`.replace(/--+/g, '-');
}

export interface NspawnContext {
  /** The root directory nspawn runs (resolved, checked). */
  root: string;
  machine: string;
  /** Register with systemd-machined (only where it runs); default no (`--register=no --keep-unit`). */
  register?: boolean;
}

/** The systemd-nspawn arguments for a spec (pure). */
export function nspawnArgs(spec: SystemContainerSpec, context: NspawnContext): string[] {
  const args = ['--quiet', `--directory=${context.root}`, `--machine=${context.machine}`];
  if (!context.register) args.push('--register=no', '--keep-unit');
  if (spec.readOnly) args.push('--read-only');
  if (spec.network === 'private') args.push('--private-network');
  if (spec.network === 'veth') args.push('--network-veth');
  for (const m of spec.mounts ?? []) args.push(`${m.readOnly ? '--bind-ro' : '--bind'}=${m.source}:${m.target}`);
  for (const [k, v] of Object.entries(spec.env ?? {})) args.push(`--setenv=${k}=${v}`);
  if (spec.workingDir) args.push(`--chdir=${spec.workingDir}`);
  if (spec.user) args.push(`--user=${spec.user}`);
  if (spec.killSignal) args.push(`--kill-signal=${spec.killSignal}`);
  if (spec.boot) args.push('--boot');
  else args.push('--', ...(spec.command ?? []));
  return args;
}
