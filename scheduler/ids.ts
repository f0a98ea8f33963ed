/** Branded ids used by the scheduler; each has one parse function that validates it. */
import { HOST_ID_HINT, KhutulunError, isHostId } from '../common/index.js';
import type { Brand } from '../common/index.js';

export type HostId = Brand<string, 'HostId'>;
export type VertexId = Brand<string, 'VertexId'>;

export function parseHostId(value: unknown): HostId {
  if (!isHostId(value)) {
    throw new KhutulunError('KH-SCHED-001', `invalid host id ${JSON.stringify(value)}`, {
      hint: HOST_ID_HINT,
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
