/**
 * Lossless compact encoding of an Expression as one JSON string (how property values are stored
 * in Automerge: one string per property keeps 10k-vertex docs small and fast).
 * Tags: {"i":"<int>"} bigint, {"b":"<base64>"} blob, {"m":[[k,v]...]} map,
 * {"c":fn,"a":[...],"k":"n|e|l"} call, {"x":kind,"v":value} custom, {"z":1} the float -0
 * (JSON would write it as 0). Lists are arrays.
 */
import { storeError } from '../errors.js';
import type { Expression, CallMode } from './types.js';
import { isMap, isCall, isCustom } from './types.js';

type Packed = null | boolean | number | string | Packed[] | { [k: string]: Packed };

const MODE_TO: Record<CallMode, string> = { normal: 'n', eager: 'e', lazy: 'l' };
const MODE_FROM: Record<string, CallMode> = { n: 'normal', e: 'eager', l: 'lazy' };

export function packExpression(e: Expression): Packed {
  if (Object.is(e, -0)) return { z: 1 };
  if (e === null || typeof e === 'boolean' || typeof e === 'string' || typeof e === 'number') return e;
  if (typeof e === 'bigint') return { i: e.toString() };
  if (e instanceof Uint8Array) return { b: Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64') };
  if (Array.isArray(e)) return e.map(packExpression);
  if (isMap(e)) return { m: e.entries.map(([k, v]) => [packExpression(k), packExpression(v)]) };
  if (isCall(e)) return { c: e.fn, a: e.args.map(packExpression), k: MODE_TO[e.mode] };
  if (isCustom(e)) return { x: e.kind, v: packExpression(e.value) };
  throw storeError('KH-STORE-009', 'cannot encode a non-expression');
}

export function unpackExpression(p: unknown): Expression {
  if (p === null || typeof p === 'boolean' || typeof p === 'string' || typeof p === 'number') return p;
  if (Array.isArray(p)) return p.map(unpackExpression);
  if (typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if (typeof o.i === 'string') return BigInt(o.i);
    if (o.z === 1) return -0;
    if (typeof o.b === 'string') return new Uint8Array(Buffer.from(o.b, 'base64'));
    if (Array.isArray(o.m)) {
      return { $: 'map', entries: o.m.map((kv) => [unpackExpression((kv as unknown[])[0]), unpackExpression((kv as unknown[])[1])] as const) };
    }
    if (typeof o.c === 'string' && Array.isArray(o.a)) {
      return { $: 'call', fn: o.c, args: o.a.map(unpackExpression), mode: MODE_FROM[String(o.k)] ?? 'normal' };
    }
    if (typeof o.x === 'string') return { $: 'custom', kind: o.x, value: unpackExpression(o.v) };
  }
  throw storeError('KH-STORE-022', 'stored expression is malformed', { hint: 'the document may come from a newer Khutulun version' });
}

export function encodeExpression(e: Expression): string {
  return JSON.stringify(packExpression(e));
}

export function decodeExpression(text: string): Expression {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw storeError('KH-STORE-022', 'stored expression is not JSON', { cause });
  }
  return unpackExpression(parsed);
}
