/** Branded ids used by the scheduler; each has one parse function that validates it. */
import { KhutulunError } from '../common/index.js';
import type { Brand } from '../common/index.js';

export type HostId = Brand<string, 'HostId'>;
export type VertexId = Brand<string, 'VertexId'>;

// Host ids end up in map keys, claim keys (`epoch:host`) and namespaces: keep them plain.
const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function parseHostId(value: unknown): HostId {
  if (typeof value !== 'string' || !HOST_ID.test(value)) {
    throw new KhutulunError('KH-SCHED-001', `invalid host id ${JSON.stringify(value)}`, {
      hint: 'use 1-63 characters: letters, digits, ".", "_" or "-", starting with a letter or digit',
      details: { value: String(value) },
    });
  }
  return value as HostId;
}

export function parseVertexId(value: unknown): VertexId {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new KhutulunError('KH-SCHED-002', `invalid vertex id ${JSON.stringify(value)}`, {
      hint: 'a vertex id is a non-empty string of at most 512 characters (e.g. "dir/name")',
      details: { value: String(value) },
    });
  }
  return value as VertexId;
}
