/**
 * Type-aware equality and ordering for TOSCA values: no implicit conversions (an integer never
 * equals a float; a scalar compares only with a scalar of the same type, by canonical amount;
 * versions and timestamps by their parsed order).
 */
import type { Expression } from '../../store/index.js';
import { expressionEquals, isCustom, isList, isMap } from '../../store/index.js';
import {
  SCALAR,
  TIMESTAMP,
  VERSION,
  compareVersions,
  functionError,
  scalarParts,
  timestampKey,
} from './typed-values.js';

export function typeName(e: Expression): string {
  if (e === null) return 'null';
  if (typeof e === 'boolean') return 'boolean';
  if (typeof e === 'bigint') return 'integer';
  if (typeof e === 'number') return 'float';
  if (typeof e === 'string') return 'string';
  if (e instanceof Uint8Array) return 'bytes';
  if (isList(e)) return 'list';
  if (isMap(e)) return 'map';
  if (isCustom(e)) return e.kind === SCALAR ? `scalar(${scalarParts(e).type})` : e.kind.replace(/^tosca:/, '');
  return 'call';
}

/** Structural equality with TOSCA typed-value semantics. */
export function toscaEquals(a: Expression, b: Expression): boolean {
  if (isCustom(a) && isCustom(b) && a.kind === b.kind) {
    if (a.kind === SCALAR) {
      const x = scalarParts(a);
      const y = scalarParts(b);
      return x.type === y.type && x.canonical === y.canonical;
    }
    if (a.kind === VERSION) return compareVersions(String(a.value), String(b.value)) === 0;
    if (a.kind === TIMESTAMP) {
      const x = timestampKey(String(a.value));
      const y = timestampKey(String(b.value));
      return x[0] === y[0] && x[1] === y[1];
    }
  }
  if (isList(a) && isList(b)) return a.length === b.length && a.every((x, i) => toscaEquals(x, b[i]!));
  if (isMap(a) && isMap(b)) {
    if (a.entries.length !== b.entries.length) return false;
    return a.entries.every(([k, v]) => {
      const other = b.entries.find(([k2]) => toscaEquals(k, k2));
      return other !== undefined && toscaEquals(v, other[1]);
    });
  }
  return expressionEquals(a, b);
}

/** Orders two comparable values of the same type; throws a coded error otherwise. */
export function toscaCompare(fn: string, a: Expression, b: Expression): number {
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) {
    throw functionError('KH-TOSCA-FN-TYPE', `${fn}: cannot compare ${ta} with ${tb}`, 'compare values of the same type (no implicit conversions)');
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (isCustom(a) && isCustom(b)) {
    if (a.kind === SCALAR) {
      const x = scalarParts(a).canonical;
      const y = scalarParts(b).canonical;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.kind === VERSION) return compareVersions(String(a.value), String(b.value));
    if (a.kind === TIMESTAMP) {
      const x = timestampKey(String(a.value));
      const y = timestampKey(String(b.value));
      return x[0] - y[0] || x[1] - y[1];
    }
  }
  throw functionError('KH-TOSCA-FN-TYPE', `${fn}: ${ta} values are not ordered`, 'use integer, float, string, timestamp, version or scalar values');
}
