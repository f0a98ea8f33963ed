/**
 * Evaluates validation clauses (9.11) on literal values at validation time. Anything that needs the
 * running topology ($get_property, $get_input, custom functions) evaluates to UNKNOWN, and an
 * UNKNOWN clause never produces a problem: only a clause that is definitely false does.
 */
import type { Value } from '../model/index.js';

export const UNKNOWN: unique symbol = Symbol('unknown');
type Result = unknown;

/** Converts scalars like "10 kB" to canonical numbers when the caller knows the units. */
export type ScalarConverter = (s: string) => number | undefined;

interface Env {
  readonly self: unknown;
  readonly scalar: ScalarConverter | undefined;
  budget: number;
}

function plain(v: Value, env: Env): Result {
  if (--env.budget < 0) return UNKNOWN;
  switch (v.kind) {
    case 'scalar':
      return v.value;
    case 'list': {
      const out: unknown[] = [];
      for (const i of v.items) {
        const r = plain(i, env);
        if (r === UNKNOWN) return UNKNOWN;
        out.push(r);
      }
      return out;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const e of v.entries) {
        const k = plain(e.key, env);
        const r = plain(e.value, env);
        if (k === UNKNOWN || r === UNKNOWN) return UNKNOWN;
        out[String(k)] = r;
      }
      return out;
    }
    case 'call':
      return call(v.name, v.args, env);
  }
}

function num(x: unknown, env: Env): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && env.scalar) return env.scalar(x);
  return undefined;
}

function compare(a: unknown, b: unknown, env: Env): number | undefined {
  const na = num(a, env);
  const nb = num(b, env);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function equal(a: unknown, b: unknown, env: Env): boolean {
  const c = compare(a, b, env);
  if (c !== undefined) return c === 0;
  return JSON.stringify(a) === JSON.stringify(b);
}

function call(name: string, argv: readonly Value[], env: Env): Result {
  if (name === 'value') {
    let cur: unknown = env.self;
    for (const a of argv) {
      const k = plain(a, env);
      if (k === UNKNOWN) return UNKNOWN;
      if (Array.isArray(cur) && typeof k === 'number') cur = cur[k];
      else if (cur !== null && typeof cur === 'object' && typeof k === 'string') cur = (cur as Record<string, unknown>)[k];
      else return UNKNOWN;
      if (cur === undefined) return UNKNOWN;
    }
    return cur;
  }
  const args: unknown[] = [];
  for (const a of argv) {
    const r = plain(a, env);
    if (r === UNKNOWN) return UNKNOWN;
    args.push(r);
  }
  const [a, b] = args;
  const bool = (x: unknown): boolean | typeof UNKNOWN => (typeof x === 'boolean' ? x : UNKNOWN);
  switch (name) {
    case 'and': {
      let unknown = false;
      for (const x of args) {
        const v = bool(x);
        if (v === false) return false;
        if (v === UNKNOWN) unknown = true;
      }
      return unknown ? UNKNOWN : true;
    }
    case 'or': {
      let unknown = false;
      for (const x of args) {
        const v = bool(x);
        if (v === true) return true;
        if (v === UNKNOWN) unknown = true;
      }
      return unknown ? UNKNOWN : false;
    }
    case 'not': {
      const v = bool(a);
      return v === UNKNOWN ? UNKNOWN : !v;
    }
    case 'xor': {
      const x = bool(a);
      const y = bool(b);
      return x === UNKNOWN || y === UNKNOWN ? UNKNOWN : x !== y;
    }
    case 'equal':
      return equal(a, b, env);
    case 'greater_than':
    case 'greater_or_equal':
    case 'less_than':
    case 'less_or_equal': {
      const c = compare(a, b, env);
      if (c === undefined) return UNKNOWN;
      return name === 'greater_than' ? c > 0 : name === 'greater_or_equal' ? c >= 0 : name === 'less_than' ? c < 0 : c <= 0;
    }
    case 'valid_values':
      return Array.isArray(b) ? b.some((x) => equal(a, x, env)) : UNKNOWN;
    case 'matches': {
      if (typeof a !== 'string' || typeof b !== 'string') return UNKNOWN;
      try {
        // Anchored as the standard's examples assume full-string matches.
        return new RegExp(`^(?:${b})$`, 'u').test(a);
      } catch {
        return UNKNOWN;
      }
    }
    case 'has_suffix':
      return typeof a === 'string' && typeof b === 'string' ? a.endsWith(b) : UNKNOWN;
    case 'has_prefix':
      return typeof a === 'string' && typeof b === 'string' ? a.startsWith(b) : UNKNOWN;
    case 'contains':
      return typeof a === 'string' && typeof b === 'string' ? a.includes(b) : Array.isArray(a) && Array.isArray(b) ? JSON.stringify(a).includes(JSON.stringify(b).slice(1, -1)) : UNKNOWN;
    case 'has_entry':
      return Array.isArray(a) ? a.some((x) => equal(x, b, env)) : a !== null && typeof a === 'object' ? Object.values(a).some((x) => equal(x, b, env)) : UNKNOWN;
    case 'has_key':
      return a !== null && typeof a === 'object' && !Array.isArray(a) ? Object.hasOwn(a, String(b)) : UNKNOWN;
    case 'length':
      return typeof a === 'string' ? [...a].length : Array.isArray(a) ? a.length : a !== null && typeof a === 'object' ? Object.keys(a).length : UNKNOWN;
    case 'sum':
      return args.every((x) => typeof x === 'number') ? (args as number[]).reduce((s, x) => s + x, 0) : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** Evaluates a validation clause against `self`; true, false or UNKNOWN. */
export function evaluateClause(clause: Value, self: unknown, scalar?: ScalarConverter): boolean | typeof UNKNOWN {
  const env: Env = { self, scalar, budget: 10_000 };
  const r = clause.kind === 'call' ? call(clause.name, clause.args, env) : plain(clause, env);
  return typeof r === 'boolean' ? r : UNKNOWN;
}
