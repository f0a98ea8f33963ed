/** Small builders for scheduler tests. */
import type { HostInfo, HostStatus, VertexRequest, Constraint } from '../../../scheduler/index.js';
import { parseHostId, parseVertexId } from '../../../scheduler/index.js';

export const GiB = 1024 ** 3;

export function host(
  id: string,
  opts: { labels?: Record<string, string>; caps?: string[]; cpu?: number; mem?: number; status?: HostStatus; gpu?: number } = {},
): HostInfo {
  return {
    id: parseHostId(id),
    labels: opts.labels ?? {},
    capabilities: opts.caps ?? [],
    capacity: { cpu: opts.cpu ?? 4000, memory: opts.mem ?? 8 * GiB, ...(opts.gpu !== undefined ? { custom: { gpu: opts.gpu } } : {}) },
    status: opts.status ?? 'ready',
  };
}

export function vertex(id: string, opts: { cpu?: number; mem?: number; constraint?: Constraint; gpu?: number } = {}): VertexRequest {
  return {
    id: parseVertexId(id),
    template: id.replace(/-\d+$/, ''),
    requests: { cpu: opts.cpu ?? 100, memory: opts.mem ?? 128 * 1024 ** 2, ...(opts.gpu !== undefined ? { custom: { gpu: opts.gpu } } : {}) },
    ...(opts.constraint ? { constraint: opts.constraint } : {}),
  };
}

export const vid = parseVertexId;
export const hid = parseHostId;
