/**
 * Units of placement: vertexes tied by colocation policies are placed together as one unit (the
 * sum of their requests on one host); redundancy multiplies a unit into copies on distinct hosts.
 */
import type { PlacementPolicy } from './placement-policy.js';
import type { Resources } from './resources.js';
import { addResources, NO_RESOURCES } from './resources.js';
import type { SchedulerState } from './state.js';

export interface PlacementUnit {
  /** Vertex indexes (into state.vertexes), ascending. */
  readonly members: readonly number[];
  readonly copies: number;
  /** Copies must differ in this host label (redundancy across zones), else just in host. */
  readonly copyLabel: string | undefined;
  readonly request: Resources;
  /** Distinct constraint keys of the members (see SchedulerState.predicates). */
  readonly constraintKeys: readonly string[];
  /** Indexes into state.policies. */
  readonly separation: readonly number[];
  readonly spread: readonly number[];
  /** A colocation that contradicts a separation (two members must share and avoid a host). */
  readonly conflict: string | undefined;
}

function find(parent: Int32Array, i: number): number {
  while (parent[i]! !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

export function buildUnits(state: SchedulerState): PlacementUnit[] {
  const n = state.vertexes.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const policyIdx = (p: PlacementPolicy): number[] => p.members.map((m) => state.vertexIndex.get(m)!);
  for (const p of state.policies) {
    if (p.kind !== 'colocation') continue;
    const idx = policyIdx(p);
    for (let j = 1; j < idx.length; j++) {
      const a = find(parent, idx[0]!);
      const b = find(parent, idx[j]!);
      // Union towards the smaller index so the root is deterministic.
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const copies = new Int32Array(n).fill(1);
  const copyLabel: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  const sep: number[][] = Array.from({ length: n }, () => []);
  const spr: number[][] = Array.from({ length: n }, () => []);
  state.policies.forEach((p, pi) => {
    for (const v of policyIdx(p)) {
      if (p.kind === 'redundancy') {
        if (p.copies > copies[v]!) copies[v] = p.copies;
        if (p.label !== undefined) copyLabel[v] = p.label;
      } else if (p.kind === 'separation') sep[v]!.push(pi);
      else if (p.kind === 'spread') spr[v]!.push(pi);
    }
  });

  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(parent, i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }
  const units: PlacementUnit[] = [];
  for (const members of groups.values()) {
    if (members.length === 1) {
      const v = members[0]!;
      const key = state.constraintKeys[v];
      units.push({
        members,
        copies: copies[v]!,
        copyLabel: copyLabel[v],
        request: state.vertexes[v]!.requests,
        constraintKeys: key === undefined ? [] : [key],
        separation: sep[v]!,
        spread: spr[v]!,
        conflict: undefined,
      });
      continue;
    }
    let request: Resources = NO_RESOURCES;
    let c = 1;
    let label: string | undefined;
    const keys = new Set<string>();
    const seps = new Set<number>();
    const sprs = new Set<number>();
    let conflict: string | undefined;
    for (const v of members) {
      request = addResources(request, state.vertexes[v]!.requests);
      c = Math.max(c, copies[v]!);
      label ??= copyLabel[v];
      const key = state.constraintKeys[v];
      if (key !== undefined) keys.add(key);
      for (const s of sep[v]!) {
        if (seps.has(s)) conflict ??= `policy ${state.policies[s]!.name} separates vertexes that a colocation policy puts together`;
        seps.add(s);
      }
      for (const s of spr[v]!) sprs.add(s);
    }
    units.push({
      members,
      copies: c,
      copyLabel: label,
      request,
      constraintKeys: [...keys].sort(),
      separation: [...seps].sort((a, b) => a - b),
      spread: [...sprs].sort((a, b) => a - b),
      conflict,
    });
  }
  return units;
}
