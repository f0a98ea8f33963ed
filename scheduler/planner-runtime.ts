/**
 * Mutable bookkeeping for ONE planner run (free capacity per host, policy usage). It lives only
 * inside `plan()`, which stays a pure function of its input. Typed arrays keep the hot loop cheap.
 */
import type { PlacementUnit } from './placement-unit.js';
import type { PlacementStrategy } from './planner.js';
import type { SchedulerState } from './state.js';

export class PlannerRuntime {
  readonly #state: SchedulerState;
  readonly #freeCpu: Float64Array;
  readonly #freeMem: Float64Array;
  readonly #capCpu: Float64Array;
  readonly #capMem: Float64Array;
  readonly #freeCustom = new Map<string, Float64Array>();
  readonly #ready: Uint8Array;
  readonly #feasible = new Map<string, { mask: Uint8Array; list: Int32Array }>();
  /** Per separation policy: used hosts (no label) or used label values. */
  readonly #sepHosts = new Map<number, Set<number>>();
  readonly #sepValues = new Map<number, Set<string>>();
  /** Per spread policy: placed copies per label value. */
  readonly #spread = new Map<number, Map<string, number>>();

  constructor(state: SchedulerState) {
    this.#state = state;
    const n = state.hosts.length;
    this.#freeCpu = new Float64Array(n);
    this.#freeMem = new Float64Array(n);
    this.#capCpu = new Float64Array(n);
    this.#capMem = new Float64Array(n);
    this.#ready = new Uint8Array(n);
    state.hosts.forEach((h, i) => {
      this.#capCpu[i] = h.capacity.cpu;
      this.#capMem[i] = h.capacity.memory;
      this.#freeCpu[i] = h.capacity.cpu - (h.load?.cpu ?? 0);
      this.#freeMem[i] = h.capacity.memory - (h.load?.memory ?? 0);
      this.#ready[i] = h.status === 'ready' ? 1 : 0;
    });
  }

  #custom(name: string): Float64Array {
    let arr = this.#freeCustom.get(name);
    if (!arr) {
      arr = new Float64Array(this.#state.hosts.length);
      this.#state.hosts.forEach((h, i) => {
        arr![i] = (h.capacity.custom?.[name] ?? 0) - (h.load?.custom?.[name] ?? 0);
      });
      this.#freeCustom.set(name, arr);
    }
    return arr;
  }

  #feasibleFor(unit: PlacementUnit): { mask: Uint8Array; list: Int32Array } {
    const keys = unit.constraintKeys;
    const key = keys.length === 0 ? '' : keys.length === 1 ? keys[0]! : keys.join('\u0000');
    let f = this.#feasible.get(key);
    if (!f) {
      const preds = unit.constraintKeys.map((k) => this.#state.predicates.get(k)!);
      const mask = new Uint8Array(this.#state.hosts.length);
      const list: number[] = [];
      this.#state.hosts.forEach((h, i) => {
        if (preds.every((p) => p(h))) {
          mask[i] = 1;
          if (this.#ready[i]) list.push(i);
        }
      });
      f = { mask, list: Int32Array.from(list) };
      this.#feasible.set(key, f);
    }
    return f;
  }

  isReady(h: number): boolean {
    return this.#ready[h] === 1;
  }

  satisfies(unit: PlacementUnit, h: number): boolean {
    return unit.constraintKeys.length === 0 || this.#feasibleFor(unit).mask[h] === 1;
  }

  /** The name of a separation policy that forbids `h` for this unit, if any. */
  separationBlocks(unit: PlacementUnit, h: number): string | undefined {
    for (const p of unit.separation) {
      const policy = this.#state.policies[p]!;
      if (policy.kind !== 'separation') continue;
      if (policy.label === undefined) {
        if (this.#sepHosts.get(p)?.has(h)) return policy.name;
      } else {
        const v = this.#state.hosts[h]!.labels[policy.label];
        if (v !== undefined && this.#sepValues.get(p)?.has(v)) return policy.name;
      }
    }
    return undefined;
  }

  /**
   * The name of a hard spread policy (max_skew) that one more member on `h` would break: its label
   * value would exceed the least used value among the hosts the unit may use by more than
   * max_skew (the Kubernetes topology-spread rule). A host without the label is outside the spread.
   */
  spreadBlocks(unit: PlacementUnit, h: number): string | undefined {
    for (const p of unit.spread) {
      const policy = this.#state.policies[p]!;
      if (policy.kind !== 'spread' || policy.maxSkew === undefined) continue;
      const value = this.#state.hosts[h]!.labels[policy.label];
      if (value === undefined) return policy.name;
      const counts = this.#spread.get(p);
      let min = Infinity;
      for (const o of this.#feasibleFor(unit).list) {
        const v = this.#state.hosts[o]!.labels[policy.label];
        if (v !== undefined) min = Math.min(min, counts?.get(v) ?? 0);
      }
      if ((counts?.get(value) ?? 0) + 1 - (min === Infinity ? 0 : min) > policy.maxSkew) return policy.name;
    }
    return undefined;
  }

  /** True when another copy of the unit already uses `h` (or its copy-label value). */
  copyBlocks(unit: PlacementUnit, h: number, hosts: readonly number[]): boolean {
    if (hosts.includes(h)) return true;
    if (unit.copyLabel === undefined) return false;
    const labels = this.#state.hosts;
    const v = labels[h]!.labels[unit.copyLabel];
    return hosts.some((o) => labels[o]!.labels[unit.copyLabel!] === v);
  }

  missing(unit: PlacementUnit, h: number): string[] {
    const out: string[] = [];
    if (unit.request.cpu > this.#freeCpu[h]!) out.push('cpu');
    if (unit.request.memory > this.#freeMem[h]!) out.push('memory');
    for (const [name, amount] of Object.entries(unit.request.custom ?? {})) {
      if (amount > this.#custom(name)[h]!) out.push(name);
    }
    return out;
  }

  mayKeep(unit: PlacementUnit, h: number, hosts: readonly number[]): boolean {
    const host = this.#state.hosts[h]!;
    if (host.status === 'lost' && this.#state.replaceLost) return false;
    if (this.copyBlocks(unit, h, hosts)) return false;
    // A silent host cannot be checked or moved from without running twice: keep its work as is.
    if ((host.status === 'ready' || host.status === 'draining') && !this.satisfies(unit, h)) return false;
    return this.separationBlocks(unit, h) === undefined;
  }

  assign(unit: PlacementUnit, h: number, hosts: number[]): void {
    hosts.push(h);
    this.#freeCpu[h] = this.#freeCpu[h]! - unit.request.cpu;
    this.#freeMem[h] = this.#freeMem[h]! - unit.request.memory;
    for (const [name, amount] of Object.entries(unit.request.custom ?? {})) {
      const arr = this.#custom(name);
      arr[h] = arr[h]! - amount;
    }
    const labels = this.#state.hosts[h]!.labels;
    for (const p of unit.separation) {
      const policy = this.#state.policies[p]!;
      if (policy.kind !== 'separation') continue;
      if (policy.label === undefined) getOrSet(this.#sepHosts, p, () => new Set<number>()).add(h);
      else {
        const v = labels[policy.label];
        if (v !== undefined) getOrSet(this.#sepValues, p, () => new Set<string>()).add(v);
      }
    }
    for (const p of unit.spread) {
      const policy = this.#state.policies[p]!;
      if (policy.kind !== 'spread') continue;
      const counts = getOrSet(this.#spread, p, () => new Map<string, number>());
      const v = labels[policy.label] ?? '';
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }

  #spreadLoad(unit: PlacementUnit, h: number): number {
    let load = 0;
    const labels = this.#state.hosts[h]!.labels;
    for (const p of unit.spread) {
      const policy = this.#state.policies[p]!;
      if (policy.kind !== 'spread') continue;
      load += this.#spread.get(p)?.get(labels[policy.label] ?? '') ?? 0;
    }
    return load;
  }

  /** The best host index for one more copy of `unit`, or -1 when none fits. */
  best(unit: PlacementUnit, hosts: readonly number[], strategy: PlacementStrategy): number {
    const { list } = this.#feasibleFor(unit);
    const { cpu, memory } = unit.request;
    const custom = unit.request.custom ? Object.entries(unit.request.custom).map(([n, a]) => [this.#custom(n), a] as const) : NO_CUSTOM;
    const checkPolicies = unit.separation.length > 0 || hosts.length > 0;
    const hasSpread = unit.spread.length > 0;
    const sign = strategy === 'spread' ? 1 : -1;
    let best = -1;
    let bestSpread = Infinity;
    let bestScore = -Infinity;
    for (let i = 0; i < list.length; i++) {
      const h = list[i]!;
      const fc = this.#freeCpu[h]! - cpu;
      const fm = this.#freeMem[h]! - memory;
      if (fc < 0 || fm < 0) continue;
      let fits = true;
      for (const [arr, amount] of custom) if (arr[h]! < amount) fits = false;
      if (!fits) continue;
      if (checkPolicies && (this.copyBlocks(unit, h, hosts) || this.separationBlocks(unit, h) !== undefined)) continue;
      if (hasSpread && this.spreadBlocks(unit, h) !== undefined) continue;
      const spread = hasSpread ? this.#spreadLoad(unit, h) : 0;
      if (spread > bestSpread) continue;
      const cc = this.#capCpu[h]!;
      const cm = this.#capMem[h]!;
      const score = sign * ((cc > 0 ? fc / cc : 0) + (cm > 0 ? fm / cm : 0));
      // Strictly better only: on a tie the lower index (lower host id) that came first wins.
      if (spread < bestSpread || score > bestScore) {
        best = h;
        bestSpread = spread;
        bestScore = score;
      }
    }
    return best;
  }
}

const NO_CUSTOM: readonly (readonly [Float64Array, number])[] = [];

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
