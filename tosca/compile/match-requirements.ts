/**
 * Requirement fulfilment as one global, deterministic search (not greedy): every requirement slot
 * gets a target (node + capability) among its candidates such that no capability is allocated
 * beyond what it has. Slots with the fewest candidates are decided first; on a dead end the search
 * backtracks. Pure: candidates and capacities are computed by the caller.
 */

export interface Candidate {
  readonly target: string;
  readonly capability: string;
}

export interface Slot {
  /** Stable identity for results and messages, e.g. `nodes/web#database[0]`. */
  readonly key: string;
  readonly optional: boolean;
  readonly candidates: readonly Candidate[];
  /** Capability property -> amount (canonical number) this slot allocates on its target capability. */
  readonly allocation?: Readonly<Record<string, number>>;
}

export interface MatchResult {
  /** slot key -> chosen candidate (absent for optional slots left empty). */
  readonly chosen: ReadonlyMap<string, Candidate>;
  /** Slots that could not be fulfilled, with why. */
  readonly unfulfilled: readonly { readonly key: string; readonly reason: string }[];
}

/** Capacity of `<target>|<capability>|<property>`; absent = unlimited. */
export type Capacities = ReadonlyMap<string, number>;

const capKey = (c: Candidate, prop: string): string => `${c.target}|${c.capability}|${prop}`;

export function matchRequirements(slots: readonly Slot[], capacities: Capacities, maxSteps = 200_000): MatchResult {
  const used = new Map<string, number>();
  const chosen = new Map<string, Candidate>();
  const unfulfilled: { key: string; reason: string }[] = [];
  // Slots with no candidate can be decided now; the search covers the rest.
  const open: Slot[] = [];
  for (const s of slots) {
    if (s.candidates.length > 0) open.push(s);
    else if (!s.optional) unfulfilled.push({ key: s.key, reason: 'no node matches it' });
  }
  const order = [...open].sort((a, b) => a.candidates.length - b.candidates.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let steps = 0;

  const fits = (s: Slot, c: Candidate): boolean => {
    for (const [prop, amount] of Object.entries(s.allocation ?? {})) {
      const cap = capacities.get(capKey(c, prop));
      if (cap !== undefined && (used.get(capKey(c, prop)) ?? 0) + amount > cap + 1e-9) return false;
    }
    return true;
  };
  const take = (s: Slot, c: Candidate, sign: 1 | -1): void => {
    for (const [prop, amount] of Object.entries(s.allocation ?? {})) {
      const k = capKey(c, prop);
      used.set(k, (used.get(k) ?? 0) + sign * amount);
    }
  };

  const search = (i: number): boolean => {
    if (i >= order.length) return true;
    if (++steps > maxSteps) return false;
    const s = order[i]!;
    for (const c of s.candidates) {
      if (!fits(s, c)) continue;
      take(s, c, 1);
      chosen.set(s.key, c);
      if (search(i + 1)) return true;
      chosen.delete(s.key);
      take(s, c, -1);
    }
    // An optional slot may stay empty when nothing fits.
    return s.optional ? search(i + 1) : false;
  };

  if (!search(0)) {
    // No complete assignment: place greedily what fits so the report names the real culprits.
    chosen.clear();
    used.clear();
    for (const s of order) {
      const c = s.candidates.find((x) => fits(s, x));
      if (c) {
        take(s, c, 1);
        chosen.set(s.key, c);
      } else if (!s.optional) {
        unfulfilled.push({
          key: s.key,
          reason: steps > maxSteps ? 'the search for an assignment gave up (too many combinations)' : 'every matching capability is fully allocated',
        });
      }
    }
  }
  return { chosen, unfulfilled };
}
