/**
 * FlorEx: the value language of properties. Integers are bigint (i64/u64 range), floats are number,
 * blobs are Uint8Array, maps have expression keys, calls name a function `<plugin>:<name>`.
 */
import { storeError } from '../errors.js';

export type CallMode = 'normal' | 'eager' | 'lazy';

export interface MapExpression {
  readonly $: 'map';
  readonly entries: ReadonlyArray<readonly [Expression, Expression]>;
}

export interface CallExpression {
  readonly $: 'call';
  /** `<plugin>:<name>`, e.g. `floria:concat`. */
  readonly fn: string;
  readonly args: readonly Expression[];
  readonly mode: CallMode;
}

/** A typed value (TOSCA scalar, version, timestamp...) so comparisons can be type-aware. */
export interface CustomExpression {
  readonly $: 'custom';
  readonly kind: string;
  readonly value: Expression;
}

export type Expression =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly Expression[]
  | MapExpression
  | CallExpression
  | CustomExpression;

export const I64_MIN = -(2n ** 63n);
export const U64_MAX = 2n ** 64n - 1n;
const FN_NAME = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.:-]+)+$/;

export function isMap(e: Expression): e is MapExpression {
  return typeof e === 'object' && e !== null && !Array.isArray(e) && !(e instanceof Uint8Array) && (e as MapExpression).$ === 'map';
}
export function isCall(e: Expression): e is CallExpression {
  return typeof e === 'object' && e !== null && !Array.isArray(e) && !(e instanceof Uint8Array) && (e as CallExpression).$ === 'call';
}
export function isCustom(e: Expression): e is CustomExpression {
  return typeof e === 'object' && e !== null && !Array.isArray(e) && !(e instanceof Uint8Array) && (e as CustomExpression).$ === 'custom';
}
export function isList(e: Expression): e is readonly Expression[] {
  return Array.isArray(e);
}

export function map(entries: ReadonlyArray<readonly [Expression, Expression]>): MapExpression {
  return { $: 'map', entries };
}
/** A map with string keys, from a plain record. */
export function stringMap(record: Readonly<Record<string, Expression>>): MapExpression {
  return { $: 'map', entries: Object.entries(record) };
}
export function call(fn: string, args: readonly Expression[] = [], mode: CallMode = 'eager'): CallExpression {
  return { $: 'call', fn, args, mode };
}
export function custom(kind: string, value: Expression): CustomExpression {
  return { $: 'custom', kind, value };
}
/** Looks a string key up in a map expression (last entry wins, as in a JSON object). */
export function mapGet(m: MapExpression, key: string): Expression | undefined {
  let found: Expression | undefined;
  for (const [k, v] of m.entries) if (k === key) found = v;
  return found;
}
/** A plain record when every key is a string; undefined otherwise. */
export function mapToRecord(m: MapExpression): Record<string, Expression> | undefined {
  const out: Record<string, Expression> = {};
  for (const [k, v] of m.entries) {
    if (typeof k !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}
/** True when the expression contains a call anywhere (metadata may not). */
export function containsCall(e: Expression): boolean {
  if (isCall(e)) return true;
  if (isList(e)) return e.some(containsCall);
  if (isMap(e)) return e.entries.some(([k, v]) => containsCall(k) || containsCall(v));
  if (isCustom(e)) return containsCall(e.value);
  return false;
}

/**
 * Checks that an unknown value is a well-formed Expression (bounded depth); throws KH-STORE-009/010.
 * `path` names where the value sits, for the message.
 */
export function validateExpression(value: unknown, path = 'value', depth = 0): Expression {
  if (depth > 64) throw storeError('KH-STORE-009', `${path}: nested deeper than 64 levels`, { hint: 'flatten the value' });
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw storeError('KH-STORE-009', `${path}: ${value} is not a finite float`, { hint: 'use a finite number or null' });
    return value;
  }
  if (typeof value === 'bigint') {
    if (value < I64_MIN || value > U64_MAX) {
      throw storeError('KH-STORE-010', `${path}: integer ${value} is outside the i64/u64 range`, { hint: 'use a float for larger magnitudes' });
    }
    return value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    value.forEach((v, i) => validateExpression(v, `${path}[${i}]`, depth + 1));
    return value as Expression[];
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.$ === 'map' && Array.isArray(o.entries)) {
      o.entries.forEach((entry: unknown, i: number) => {
        if (!Array.isArray(entry) || entry.length !== 2) throw storeError('KH-STORE-009', `${path}: map entry ${i} is not a [key, value] pair`);
        validateExpression(entry[0], `${path}.key[${i}]`, depth + 1);
        validateExpression(entry[1], `${path}.value[${i}]`, depth + 1);
      });
      return value as MapExpression;
    }
    if (o.$ === 'call') {
      if (typeof o.fn !== 'string' || !FN_NAME.test(o.fn)) {
        throw storeError('KH-STORE-009', `${path}: call needs fn "<plugin>:<name>", got ${JSON.stringify(o.fn)}`, { hint: 'e.g. floria:concat' });
      }
      if (o.mode !== 'normal' && o.mode !== 'eager' && o.mode !== 'lazy') {
        throw storeError('KH-STORE-009', `${path}: call mode must be normal, eager or lazy`);
      }
      if (!Array.isArray(o.args)) throw storeError('KH-STORE-009', `${path}: call args must be a list`);
      o.args.forEach((a: unknown, i: number) => validateExpression(a, `${path}.args[${i}]`, depth + 1));
      return value as CallExpression;
    }
    if (o.$ === 'custom') {
      if (typeof o.kind !== 'string' || o.kind.length === 0) throw storeError('KH-STORE-009', `${path}: custom value needs a kind`);
      validateExpression(o.value, `${path}.value`, depth + 1);
      return value as CustomExpression;
    }
  }
  throw storeError('KH-STORE-009', `${path}: ${describe(value)} is not an expression`, {
    hint: 'use null, boolean, number, bigint, string, Uint8Array, a list, map(), call() or custom(); plain objects go through fromJson()',
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return v === null ? 'null' : `an object (${Object.prototype.toString.call(v)})`;
  return typeof v;
}

/** Structural equality (maps compare entries in order; floats by Object.is except 0 === -0). */
export function expressionEquals(a: Expression, b: Expression): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => expressionEquals(x, b[i] as Expression));
  }
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (isMap(a) && isMap(b)) {
    return a.entries.length === b.entries.length && a.entries.every(([k, v], i) => {
      const e = b.entries[i]!;
      return expressionEquals(k, e[0]) && expressionEquals(v, e[1]);
    });
  }
  if (isCall(a) && isCall(b)) {
    return a.fn === b.fn && a.mode === b.mode && expressionEquals(a.args, b.args);
  }
  if (isCustom(a) && isCustom(b)) return a.kind === b.kind && expressionEquals(a.value, b.value);
  return false;
}
