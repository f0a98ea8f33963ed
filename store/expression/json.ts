/**
 * The plain-JSON view of expressions, for plugins and the HTTP API. String-keyed maps become
 * objects; bigint becomes a number when it is a safe integer (else a decimal string tagged
 * {"$int": "..."}); blobs {"$blob": base64}; other maps {"$map": [[k, v]...]};
 * calls {"$call": fn, "args": [...], "mode": m}; custom {"$custom": kind, "value": v}.
 * fromJson reads safe-integer JSON numbers as bigint (option `integers: 'number'` keeps floats):
 * the plain view cannot tell 1.0 from 1, so use encodeExpression for lossless storage.
 */
import { storeError } from '../errors.js';
import type { Expression, CallMode } from './types.js';
import { isMap, isCall, isCustom, validateExpression } from './types.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function toJson(e: Expression): Json {
  if (e === null || typeof e === 'boolean' || typeof e === 'string' || typeof e === 'number') return e;
  if (typeof e === 'bigint') {
    return e >= BigInt(Number.MIN_SAFE_INTEGER) && e <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(e) : { $int: e.toString() };
  }
  if (e instanceof Uint8Array) return { $blob: Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64') };
  if (Array.isArray(e)) return e.map(toJson);
  if (isMap(e)) {
    if (e.entries.every(([k]) => typeof k === 'string' && !k.startsWith('$'))) {
      const o: { [key: string]: Json } = {};
      for (const [k, v] of e.entries) o[k as string] = toJson(v);
      return o;
    }
    return { $map: e.entries.map(([k, v]) => [toJson(k), toJson(v)]) };
  }
  if (isCall(e)) return { $call: e.fn, args: e.args.map(toJson), mode: e.mode };
  if (isCustom(e)) return { $custom: e.kind, value: toJson(e.value) };
  throw storeError('KH-STORE-009', 'cannot convert a non-expression to JSON');
}

export interface FromJsonOptions {
  /** How integral JSON numbers are read: as bigint (default) or as float. */
  integers?: 'bigint' | 'number';
}

export function fromJson(json: unknown, options: FromJsonOptions = {}): Expression {
  const e = convert(json, options.integers ?? 'bigint', 'json', 0);
  return validateExpression(e);
}

function convert(j: unknown, ints: 'bigint' | 'number', path: string, depth: number): Expression {
  if (depth > 64) throw storeError('KH-STORE-020', `${path}: nested deeper than 64 levels`);
  if (j === null || typeof j === 'boolean' || typeof j === 'string') return j;
  if (typeof j === 'number') {
    if (!Number.isFinite(j)) throw storeError('KH-STORE-020', `${path}: not a finite number`);
    // Only safe integers become bigint: larger integral numbers were floats (big ints use $int).
    // -0 stays a float: as an integer it would lose its sign.
    return ints === 'bigint' && Number.isSafeInteger(j) && !Object.is(j, -0) ? BigInt(j) : j;
  }
  if (Array.isArray(j)) return j.map((x, i) => convert(x, ints, `${path}[${i}]`, depth + 1));
  if (typeof j === 'object') {
    const o = j as Record<string, unknown>;
    if ('$int' in o) {
      if (typeof o.$int !== 'string' || !/^-?\d+$/.test(o.$int)) throw storeError('KH-STORE-020', `${path}: $int must be a decimal string`);
      return BigInt(o.$int);
    }
    if ('$blob' in o) {
      if (typeof o.$blob !== 'string') throw storeError('KH-STORE-020', `${path}: $blob must be a base64 string`);
      return new Uint8Array(Buffer.from(o.$blob, 'base64'));
    }
    if ('$map' in o) {
      if (!Array.isArray(o.$map)) throw storeError('KH-STORE-020', `${path}: $map must be a list of [key, value]`);
      return {
        $: 'map',
        entries: o.$map.map((kv: unknown, i: number) => {
          if (!Array.isArray(kv) || kv.length !== 2) throw storeError('KH-STORE-020', `${path}.$map[${i}]: not a [key, value] pair`);
          return [convert(kv[0], ints, `${path}.$map[${i}][0]`, depth + 1), convert(kv[1], ints, `${path}.$map[${i}][1]`, depth + 1)] as const;
        }),
      };
    }
    if ('$call' in o) {
      const args = o.args ?? [];
      if (typeof o.$call !== 'string' || !Array.isArray(args)) throw storeError('KH-STORE-020', `${path}: $call needs a function name and args list`);
      const mode = (o.mode ?? 'eager') as CallMode;
      return { $: 'call', fn: o.$call, args: args.map((a, i) => convert(a, ints, `${path}.args[${i}]`, depth + 1)), mode };
    }
    if ('$custom' in o) {
      if (typeof o.$custom !== 'string') throw storeError('KH-STORE-020', `${path}: $custom needs a kind`);
      return { $: 'custom', kind: o.$custom, value: convert(o.value ?? null, ints, `${path}.value`, depth + 1) };
    }
    return { $: 'map', entries: Object.entries(o).map(([k, v]) => [k, convert(v, ints, `${path}.${k}`, depth + 1)] as const) };
  }
  throw storeError('KH-STORE-020', `${path}: ${typeof j} is not JSON`);
}
