/**
 * The immutable snapshot the planner reads: hosts, vertexes to place, policies and the placements
 * that already exist. `buildState` validates untrusted input once and indexes it, so the planner's
 * hot loop does no checking.
 */
import { KhutulunError } from '../common/index.js';
import { compileConstraint, validateConstraint } from './constraint.js';
import type { HostPredicate } from './constraint.js';
import type { HostInfo } from './host.js';
import { parseHostId, parseVertexId } from './ids.js';
import type { HostId, VertexId } from './ids.js';
import { POLICY_KINDS } from './placement-policy.js';
import type { PlacementPolicy } from './placement-policy.js';
import { validateResources } from './resources.js';
import type { VertexRequest } from './vertex-request.js';

export interface SchedulerStateInput {
  readonly hosts: readonly HostInfo[];
  readonly vertexes: readonly VertexRequest[];
  readonly policies?: readonly PlacementPolicy[];
  /** Current placements: vertex -> host of each copy. */
  readonly existing?: ReadonlyMap<VertexId, readonly HostId[]> | Readonly<Record<string, readonly string[]>>;
  /**
   * Whether work on `lost` hosts is re-placed. Comes from the disconnect policy (`replace`); the
   * default is false: silence alone never moves work.
   */
  readonly replaceLost?: boolean;
}

export interface SchedulerState {
  /** Hosts sorted by id: the index is the stable tie-break. */
  readonly hosts: readonly HostInfo[];
  readonly hostIndex: ReadonlyMap<HostId, number>;
  /** Vertexes sorted by id. */
  readonly vertexes: readonly VertexRequest[];
  readonly vertexIndex: ReadonlyMap<VertexId, number>;
  readonly policies: readonly PlacementPolicy[];
  readonly existing: ReadonlyMap<VertexId, readonly HostId[]>;
  readonly replaceLost: boolean;
  /** One predicate per distinct constraint (keyed by its JSON form), shared across vertexes. */
  readonly predicates: ReadonlyMap<string, HostPredicate>;
  readonly constraintKeys: readonly (string | undefined)[];
}

function fail(code: string, message: string, hint: string, details?: Record<string, unknown>): never {
  throw new KhutulunError(code, message, { hint, ...(details ? { details } : {}) });
}

export function buildState(input: SchedulerStateInput): SchedulerState {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.hosts) || !Array.isArray(input.vertexes)) {
    fail('KH-SCHED-005', 'scheduler state needs "hosts" and "vertexes" arrays', 'pass {hosts: [...], vertexes: [...]}');
  }
  const hosts = [...input.hosts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const hostIndex = new Map<HostId, number>();
  hosts.forEach((h, i) => {
    parseHostId(h.id);
    if (hostIndex.has(h.id)) fail('KH-SCHED-006', `host ${h.id} is listed twice`, 'give every host a unique id', { host: h.id });
    if (!['ready', 'disconnected', 'lost', 'draining'].includes(h.status)) {
      fail('KH-SCHED-007', `host ${h.id} has unknown status ${JSON.stringify(h.status)}`, 'use ready, disconnected, lost or draining');
    }
    validateResources(h.capacity, `host ${h.id} capacity`);
    if (h.load) validateResources(h.load, `host ${h.id} load`);
    hostIndex.set(h.id, i);
  });

  const vertexes = [...input.vertexes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const vertexIndex = new Map<VertexId, number>();
  const predicates = new Map<string, HostPredicate>();
  const constraintKeys: (string | undefined)[] = [];
  vertexes.forEach((v, i) => {
    parseVertexId(v.id);
    if (vertexIndex.has(v.id)) fail('KH-SCHED-008', `vertex ${v.id} is listed twice`, 'each vertex is placed once; list it once', { vertex: v.id });
    validateResources(v.requests, `vertex ${v.id} requests`);
    vertexIndex.set(v.id, i);
    if (v.constraint === undefined) {
      constraintKeys.push(undefined);
      return;
    }
    const key = JSON.stringify(v.constraint);
    if (!predicates.has(key)) predicates.set(key, compileConstraint(validateConstraint(v.constraint, `vertex ${v.id} constraint`)));
    constraintKeys.push(key);
  });

  const policies = input.policies ?? [];
  const names = new Set<string>();
  for (const p of policies) {
    if (typeof p.name !== 'string' || p.name === '') fail('KH-SCHED-009', 'a placement policy has no name', 'name every policy');
    if (names.has(p.name)) fail('KH-SCHED-009', `placement policy ${p.name} is listed twice`, 'give every policy a unique name');
    names.add(p.name);
    if (!POLICY_KINDS.includes(p.kind)) {
      fail('KH-SCHED-010', `policy ${p.name} has unknown kind ${JSON.stringify(p.kind)}`, `use one of ${POLICY_KINDS.join(', ')}`);
    }
    for (const m of p.members) {
      if (!vertexIndex.has(m)) {
        fail('KH-SCHED-011', `policy ${p.name} names vertex ${m}, which is not in the state`, 'list only vertexes that are being placed', {
          policy: p.name,
          vertex: m,
        });
      }
    }
    if (p.kind === 'spread' && (typeof p.label !== 'string' || p.label === '')) {
      fail('KH-SCHED-012', `spread policy ${p.name} has no label`, 'say which host label to spread across (e.g. "zone")');
    }
    if (p.kind === 'redundancy' && (!Number.isInteger(p.copies) || p.copies < 1 || p.copies > 1000)) {
      fail('KH-SCHED-013', `redundancy policy ${p.name} asks for ${p.copies} copies`, 'copies is an integer from 1 to 1000');
    }
  }

  const existing = new Map<VertexId, readonly HostId[]>();
  const raw = input.existing;
  const entries: Iterable<[string, readonly string[]]> =
    raw === undefined ? [] : raw instanceof Map ? raw.entries() : Object.entries(raw as Record<string, readonly string[]>);
  for (const [v, hs] of entries) {
    if (!Array.isArray(hs)) fail('KH-SCHED-014', `existing placement of ${v} is not a list of hosts`, 'pass vertex -> [host, ...]');
    // Placements of vertexes no longer in the state are simply not carried forward.
    if (vertexIndex.has(v as VertexId)) existing.set(v as VertexId, hs.map((h) => parseHostId(h)));
  }

  return Object.freeze({
    hosts,
    hostIndex,
    vertexes,
    vertexIndex,
    policies,
    existing,
    replaceLost: input.replaceLost ?? false,
    predicates,
    constraintKeys,
  });
}
