/**
 * The planner: a pure function from an immutable SchedulerState to a Plan.
 *
 * 1. Keep: existing placements stay where they are unless their host is gone, lost with
 *    `replaceLost`, or no longer satisfies the vertex's constraint (never moved on silence alone).
 * 2. Place: the remaining copies of each unit, hardest first, on the best feasible ready host.
 *    Best = fewest members of the unit's spread policies on that label value, then the strategy
 *    score (spread: most free capacity after placing; binpack: least), then the lowest host id.
 * No randomness: the same state always yields the same plan.
 */
import { explainUnplaced } from './explain.js';
import type { HostInfo } from './host.js';
import type { HostId, VertexId } from './ids.js';
import type { ChangeCause, Plan, PlacementChange, Unplaced } from './plan.js';
import { buildUnits } from './placement-unit.js';
import type { PlacementUnit } from './placement-unit.js';
import { PlannerRuntime } from './planner-runtime.js';
import type { SchedulerState } from './state.js';

export type PlacementStrategy = 'spread' | 'binpack';

export interface PlannerOptions {
  readonly strategy?: PlacementStrategy;
}

function unitOrder(state: SchedulerState, a: PlacementUnit, b: PlacementUnit): number {
  return (
    b.members.length - a.members.length ||
    b.copies - a.copies ||
    b.constraintKeys.length - a.constraintKeys.length ||
    b.request.cpu - a.request.cpu ||
    b.request.memory - a.request.memory ||
    cmp(state.vertexes[a.members[0]!]!.id, state.vertexes[b.members[0]!]!.id)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function plan(state: SchedulerState, options: PlannerOptions = {}): Plan {
  const strategy = options.strategy ?? 'spread';
  const rt = new PlannerRuntime(state);
  const units = buildUnits(state).sort((a, b) => unitOrder(state, a, b));
  const result = new Map<VertexId, HostId[]>();
  const unplaced: Unplaced[] = [];
  const changes: PlacementChange[] = [];
  const unitHosts: number[][] = units.map(() => []);

  // Pass 1: keep what may stay (capacity is charged before anything new is placed).
  units.forEach((unit, ui) => {
    if (unit.conflict !== undefined) return;
    const anchor = state.vertexes[unit.members[0]!]!.id;
    for (const hostId of state.existing.get(anchor) ?? []) {
      if (unitHosts[ui]!.length >= unit.copies) break;
      const h = state.hostIndex.get(hostId);
      if (h === undefined || !rt.mayKeep(unit, h, unitHosts[ui]!)) continue;
      rt.assign(unit, h, unitHosts[ui]!);
    }
  });

  // Pass 2: place the missing copies.
  units.forEach((unit, ui) => {
    const hosts = unitHosts[ui]!;
    if (unit.conflict !== undefined) {
      for (const v of unit.members) {
        for (let k = 0; k < unit.copies; k++) {
          unplaced.push({
            vertex: state.vertexes[v]!.id,
            copy: k,
            reasons: [{ code: 'invalid-policy', message: unit.conflict, hosts: 0 }],
          });
        }
      }
      return;
    }
    while (hosts.length < unit.copies) {
      const h = rt.best(unit, hosts, strategy);
      if (h < 0) {
        const reasons = explainUnplaced(state, rt, unit, hosts);
        for (let k = hosts.length; k < unit.copies; k++) {
          for (const v of unit.members) unplaced.push({ vertex: state.vertexes[v]!.id, copy: k, reasons });
        }
        break;
      }
      rt.assign(unit, h, hosts);
    }
    for (const v of unit.members) {
      const vertex = state.vertexes[v]!;
      const chosen = hosts.map((h) => state.hosts[h]!.id);
      if (chosen.length > 0) result.set(vertex.id, chosen);
      const before = state.existing.get(vertex.id) ?? [];
      const kept = new Set(before.filter((b) => chosen.includes(b)));
      const freed = before.filter((b) => !kept.has(b));
      for (const to of chosen) {
        if (kept.has(to)) continue;
        const from = freed.shift();
        changes.push(
          from === undefined
            ? { vertex: vertex.id, copy: chosen.indexOf(to), to, cause: 'new' }
            : { vertex: vertex.id, copy: chosen.indexOf(to), from, to, cause: causeOf(state, rt, unit, from) },
        );
      }
    }
  });
  changes.sort((a, b) => cmp(a.vertex, b.vertex) || a.copy - b.copy);
  unplaced.sort((a, b) => cmp(a.vertex, b.vertex) || a.copy - b.copy);
  return { placements: result, unplaced, changes };
}

function causeOf(state: SchedulerState, rt: PlannerRuntime, unit: PlacementUnit, from: HostId): ChangeCause {
  const h = state.hostIndex.get(from);
  if (h === undefined) return 'host-gone';
  const host: HostInfo = state.hosts[h]!;
  if (host.status === 'lost' && state.replaceLost) return 'host-lost';
  if (!rt.satisfies(unit, h)) return 'constraint-changed';
  return 'duplicate';
}
