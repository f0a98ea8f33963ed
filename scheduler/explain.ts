/** Why a unit could not be placed: every host is ruled out by at least one named reason. */
import { describeConstraint } from './constraint.js';
import type { UnplacedReason } from './plan.js';
import type { PlacementUnit } from './placement-unit.js';
import type { PlannerRuntime } from './planner-runtime.js';
import type { SchedulerState } from './state.js';

export function explainUnplaced(
  state: SchedulerState,
  rt: PlannerRuntime,
  unit: PlacementUnit,
  hosts: readonly number[],
): UnplacedReason[] {
  if (state.hosts.length === 0) return [{ code: 'no-ready-host', message: 'the cluster has no hosts', hosts: 0 }];
  const notReady = new Map<string, number>();
  let constraint = 0;
  let copies = 0;
  const separation = new Map<string, number>();
  const spread = new Map<string, number>();
  const exhausted = new Map<string, number>();
  for (let h = 0; h < state.hosts.length; h++) {
    // First reason that rules a host out is the one counted, in this order.
    if (!rt.isReady(h)) {
      const s = state.hosts[h]!.status;
      notReady.set(s, (notReady.get(s) ?? 0) + 1);
    } else if (!rt.satisfies(unit, h)) constraint++;
    else if (rt.copyBlocks(unit, h, hosts)) copies++;
    else {
      const sep = rt.separationBlocks(unit, h);
      const skew = sep === undefined ? rt.spreadBlocks(unit, h) : undefined;
      if (sep !== undefined) separation.set(sep, (separation.get(sep) ?? 0) + 1);
      else if (skew !== undefined) spread.set(skew, (spread.get(skew) ?? 0) + 1);
      else for (const r of rt.missing(unit, h)) exhausted.set(r, (exhausted.get(r) ?? 0) + 1);
    }
  }
  const reasons: UnplacedReason[] = [];
  for (const [status, n] of [...notReady].sort()) {
    reasons.push({ code: 'no-ready-host', message: `${n} host(s) are ${status} and take no new work`, hosts: n });
  }
  if (constraint > 0) {
    const text = unit.constraintKeys.map((k) => describeConstraint(JSON.parse(k))).join(' and ');
    reasons.push({ code: 'constraint', message: `${constraint} host(s) do not satisfy ${text}`, hosts: constraint });
  }
  if (copies > 0) {
    const by = unit.copyLabel === undefined ? 'host' : `value of label ${unit.copyLabel}`;
    reasons.push({
      code: 'redundancy',
      message: `${copies} host(s) are excluded because ${unit.copies} copies need a distinct ${by} each`,
      hosts: copies,
    });
  }
  for (const [name, n] of [...separation].sort()) {
    reasons.push({ code: 'separation', message: `${n} host(s) already hold a member of separation policy ${name}`, hosts: n });
  }
  for (const [name, n] of [...spread].sort()) {
    reasons.push({ code: 'spread', message: `${n} host(s) would put more members of spread policy ${name} on their label value than max_skew allows (or lack the label)`, hosts: n });
  }
  for (const [resource, n] of [...exhausted].sort()) {
    reasons.push({ code: 'exhausted', message: `${n} host(s) lack free ${resource}`, hosts: n });
  }
  if (unit.members.length > 1) {
    const names = unit.members.map((v) => state.vertexes[v]!.id).join(', ');
    reasons.push({ code: 'colocation', message: `colocated vertexes ${names} must fit on one host together`, hosts: 0 });
  }
  return reasons;
}
