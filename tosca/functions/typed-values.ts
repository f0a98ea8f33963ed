/**
 * TOSCA typed values carried as Floria custom expressions so that comparisons are type-aware:
 * - `tosca:scalar`    value = map { type, amount, unit, canonical }  (canonical = amount in the
 *                     type's base unit, as a float; comparisons and arithmetic use it)
 * - `tosca:version`   value = the version string `major.minor[.fix[.qualifier[-build]]]`
 * - `tosca:timestamp` value = the timestamp as written (YAML 1.2 / ISO 8601)
 */
import type { Expression, CustomExpression } from '../../store/index.js';
import { custom, isCustom, isMap, mapGet, stringMap } from '../../store/index.js';
import { KhutulunError } from '../../common/index.js';

export const SCALAR = 'tosca:scalar';
export const VERSION = 'tosca:version';
export const TIMESTAMP = 'tosca:timestamp';

export interface ScalarParts {
  readonly type: string;
  readonly amount: number | bigint;
  readonly unit: string;
  /** The amount in the type's base unit. */
  readonly canonical: number;
}

export function scalarValue(parts: ScalarParts): CustomExpression {
  return custom(SCALAR, stringMap({ type: parts.type, amount: parts.amount, unit: parts.unit, canonical: parts.canonical }));
}

export function isScalar(e: Expression): e is CustomExpression {
  return isCustom(e) && e.kind === SCALAR;
}

export function scalarParts(e: CustomExpression): ScalarParts {
  const m = e.value;
  if (!isMap(m)) throw functionError('KH-TOSCA-FN-TYPE', 'malformed scalar value');
  const canonical = mapGet(m, 'canonical');
  const amount = mapGet(m, 'amount');
  return {
    type: String(mapGet(m, 'type') ?? ''),
    amount: typeof amount === 'bigint' || typeof amount === 'number' ? amount : 0,
    unit: String(mapGet(m, 'unit') ?? ''),
    canonical: typeof canonical === 'number' ? canonical : typeof canonical === 'bigint' ? Number(canonical) : NaN,
  };
}

/** A scalar of the same type and unit as `like`, holding `canonical` base units. */
export function rescale(like: ScalarParts, canonical: number): CustomExpression {
  const factor = like.canonical / Number(like.amount);
  const amount = Number.isFinite(factor) && factor !== 0 ? canonical / factor : canonical;
  return scalarValue({
    type: like.type,
    amount: typeof like.amount === 'bigint' && Number.isInteger(amount) ? BigInt(amount) : amount,
    unit: like.unit,
    canonical,
  });
}

export function versionValue(text: string): CustomExpression {
  parseVersion(text);
  return custom(VERSION, text);
}

export function timestampValue(text: string): CustomExpression {
  timestampKey(text);
  return custom(TIMESTAMP, text);
}

const VERSION_RE = /^(\d+)\.(\d+)(?:\.(\d+)(?:\.([A-Za-z0-9_]+)(?:-(\d+))?)?)?$/;

/** [major, minor, fix, qualifier, build] per TOSCA 2.0 §7.2.2.1. */
export function parseVersion(text: string): [number, number, number, string, number] {
  const m = VERSION_RE.exec(text.trim());
  if (!m) throw functionError('KH-TOSCA-FN-TYPE', `"${text}" is not a TOSCA version`, 'write major.minor[.fix[.qualifier[-build]]], e.g. 1.2.0');
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), m[4] ?? '', Number(m[5] ?? 0)];
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 5; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p < q) return -1;
    if (p > q) return 1;
  }
  return 0;
}

const TS_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[ \t]*(Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/;

/** A sortable key for a timestamp: [epoch milliseconds, sub-millisecond nanoseconds]. */
export function timestampKey(text: string): [number, number] {
  const m = TS_RE.exec(text.trim());
  if (!m) throw functionError('KH-TOSCA-FN-TYPE', `"${text}" is not a timestamp`, 'use ISO 8601, e.g. 2025-07-22T10:00:00Z');
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = m;
  let offsetMin = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const hh = Number(digits.length <= 2 ? digits : digits.slice(0, digits.length - 2));
    const mm = digits.length <= 2 ? 0 : Number(digits.slice(-2));
    offsetMin = sign * (hh * 60 + mm);
  }
  const fracPadded = (frac + '000000000').slice(0, 9);
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(fracPadded.slice(0, 3)));
  return [ms - offsetMin * 60_000, Number(fracPadded.slice(3))];
}

export function functionError(code: string, message: string, hint?: string): KhutulunError {
  return new KhutulunError(code, message, hint === undefined ? {} : { hint });
}
