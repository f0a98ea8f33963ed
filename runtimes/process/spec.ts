/** Validation and hashing of ProcessSpec (pure). */
import { createHash } from 'node:crypto';
import type { ProcessSpec, RestartPolicy, WorkloadSpec } from '../workload.js';
import { badSpec } from './errors.js';

const RESTART: readonly RestartPolicy[] = ['never', 'on-failure', 'always'];

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isPositive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** Returns the spec as a ProcessSpec or throws KH-PROC-BAD-SPEC saying what is wrong. */
export function validateProcessSpec(id: string, spec: WorkloadSpec): ProcessSpec {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw badSpec(String(id), 'workload id must be a non-empty string of at most 200 characters');
  if (spec === null || typeof spec !== 'object') throw badSpec(id, 'spec must be an object');
  if (spec.kind !== 'process') throw badSpec(id, `kind must be "process", got "${String(spec.kind)}"`);
  const s = spec as Partial<ProcessSpec>;
  if (typeof s.command !== 'string' || s.command.trim() === '') throw badSpec(id, 'command must be a non-empty string');
  if (s.command.includes('\0')) throw badSpec(id, 'command contains a NUL byte');
  if (s.args !== undefined && !isStringArray(s.args)) throw badSpec(id, 'args must be an array of strings');
  if (s.env !== undefined) {
    if (typeof s.env !== 'object' || s.env === null || Array.isArray(s.env)) throw badSpec(id, 'env must be an object of strings');
    for (const [k, v] of Object.entries(s.env)) {
      if (typeof v !== 'string' || k === '' || k.includes('=')) throw badSpec(id, `env ${k} must be a string value with a name without "="`);
    }
  }
  if (s.cwd !== undefined && typeof s.cwd !== 'string') throw badSpec(id, 'cwd must be a string');
  if (s.user !== undefined && (typeof s.user !== 'string' || s.user === '')) throw badSpec(id, 'user must be a non-empty string');
  if (s.restart !== undefined && !RESTART.includes(s.restart)) throw badSpec(id, `restart must be one of ${RESTART.join(', ')}`);
  if (s.stopTimeoutMs !== undefined && !(typeof s.stopTimeoutMs === 'number' && s.stopTimeoutMs >= 0)) throw badSpec(id, 'stopTimeoutMs must be a number >= 0');
  if (s.limits !== undefined) {
    if (typeof s.limits !== 'object' || s.limits === null) throw badSpec(id, 'limits must be an object');
    for (const key of ['memory', 'cpus', 'pids'] as const) {
      const v = s.limits[key];
      if (v !== undefined && !isPositive(v)) throw badSpec(id, `limits.${key} must be a positive number`);
    }
  }
  if (s.ports !== undefined) {
    if (!Array.isArray(s.ports)) throw badSpec(id, 'ports must be an array');
    for (const p of s.ports) {
      if (typeof p !== 'object' || p === null || typeof p.name !== 'string') throw badSpec(id, 'each port needs a name');
      if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw badSpec(id, `port ${p.name}: protocol must be tcp or udp`);
      if (p.hostPort !== undefined && !(Number.isInteger(p.hostPort) && p.hostPort >= 0 && p.hostPort <= 65535)) throw badSpec(id, `port ${p.name}: hostPort must be 0..65535`);
    }
  }
  if (s.artifacts !== undefined) {
    if (!Array.isArray(s.artifacts)) throw badSpec(id, 'artifacts must be an array');
    for (const a of s.artifacts) {
      if (typeof a !== 'object' || a === null || typeof a.source !== 'string' || typeof a.target !== 'string') throw badSpec(id, 'each artifact needs a source and a target');
    }
  }
  return s as ProcessSpec;
}

/** Stable JSON (sorted keys) so equal specs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function specHash(spec: WorkloadSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 32);
}
