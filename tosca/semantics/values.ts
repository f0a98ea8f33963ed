/**
 * Checks a value against a data type (9.1, 9.2): primitives without implicit conversions (`1.0`
 * is not an integer, `no` is not a boolean), timestamps, versions, scalars with declared units,
 * lists and maps with their schemas, and complex types with their properties.
 */
import { isTimestamp } from './timestamp.js';
import { Codes, type ProblemSink } from '../problems/index.js';
import { describe, isScalar, keyText, type PNode } from '../reader/index.js';
import type { SchemaDef, TypeDef } from '../model/index.js';
import type { Hierarchy } from './hierarchy.js';
import { isCall, toValue, type FunctionContext } from './functions.js';
import { evaluateClause, UNKNOWN } from './evaluate.js';
import { toPlain } from '../reader/index.js';
import type { Scope } from './scope.js';

/** RFC 3339 date-time (9.1.2.1): no space separator, offset required (Z or ±hh:mm). */
export const VERSION = /^\d+\.\d+(\.\d+(\.[0-9A-Za-z_]+(-\d+)?)?)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_DEPTH = 100;

export interface ValueContext extends FunctionContext {
  readonly hierarchy: Hierarchy;
  readonly sink: ProblemSink;
}

/** Parses `<number> <unit>`; the number part in YAML notation. */
export function parseScalar(s: string): { number: number; integer: boolean; unit: string } | undefined {
  const m = /^\s*([-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))\s+(\S+)\s*$/.exec(s);
  if (!m) return undefined;
  const raw = m[1]!;
  const number = /^[-+]?0o/.test(raw) ? parseInt(raw.replace('0o', ''), 8) : Number(raw);
  if (!Number.isFinite(number)) return undefined;
  return { number, integer: /^[-+]?(0x[0-9a-fA-F]+|0o[0-7]+|\d+)$/.test(raw), unit: m[2]! };
}

/**
 * The unit as the type declares it. TOSCA 1.x (3.3.6 of Simple Profile 1.3: "unit values SHALL be
 * case-insensitive") matches `gib` to `GiB`; 2.0 (9.1.5) is case-sensitive. A case-insensitive
 * match must be unique (bitrate `Kbps` and `KBps` differ by case only).
 */
export function unitOf(unit: string, units: ReadonlySet<string>, legacy: boolean): string | undefined {
  if (units.has(unit)) return unit;
  if (!legacy) return undefined;
  const lower = unit.toLowerCase();
  const hits = [...units].filter((u) => u.toLowerCase() === lower);
  return hits.length === 1 ? hits[0] : undefined;
}

/** The version a YAML scalar denotes: `18.0` parses as the float 18, whose text had a minor part. */
export function versionText(v: string | number, float: boolean): string {
  return typeof v === 'number' && float && Number.isInteger(v) ? `${v}.0` : String(v);
}

/** Every unit string a scalar type accepts (units, and prefix+unit when prefixes are declared). */
export function scalarUnits(t: TypeDef, h: Hierarchy): Set<string> {
  const out = new Set<string>();
  const chain = h.chain(t);
  const prefixes = new Set<string>();
  for (const c of chain) for (const p of c.prefixes?.keys() ?? []) prefixes.add(p);
  for (const c of chain) {
    for (const u of c.units?.keys() ?? []) {
      out.add(u);
      for (const p of prefixes) out.add(p + u);
    }
  }
  return out;
}

/**
 * Checks one value. `what` names it in messages ("the property \"port\""). Besides the type, the
 * validation clauses of the type chain and of the definition (`extra`) are evaluated on literals.
 */
export function checkValue(
  n: PNode,
  type: TypeDef | undefined,
  schemas: { keySchema?: SchemaDef | undefined; entrySchema?: SchemaDef | undefined; validation?: PNode | undefined },
  ctx: ValueContext,
  what: string,
  depth = 0,
): void {
  const before = ctx.sink.count;
  checkShape(n, type, schemas, ctx, what, depth);
  if (ctx.sink.count !== before || !type || containsCall(n, ctx.legacy)) return;
  const clauses = [...ctx.hierarchy.validations(type), ...(schemas.validation ? [schemas.validation] : [])];
  if (clauses.length === 0) return;
  const units = ctx.hierarchy.builtinRoot(type)?.name === 'scalar' ? scalarFactors(type, ctx.hierarchy) : undefined;
  const conv = units ? (s: string) => {
    const p = parseScalar(s);
    const f = p ? units.get(p.unit) : undefined;
    return p && f !== undefined ? p.number * f : undefined;
  } : undefined;
  const self = toPlain(n);
  const quiet = { ...ctx, sink: { report: () => undefined, count: 0 } as unknown as ValueContext['sink'] };
  for (const c of clauses) {
    const r = evaluateClause(toValue(c, quiet), self, conv);
    if (r === false) {
      ctx.sink.report(n.pos, Codes.ValueInvalid, `${what} does not satisfy the validation clause at ${c.pos.file}:${c.pos.line} (type ${type.name})`);
      return;
    }
    void UNKNOWN;
  }
}

function containsCall(n: PNode, legacy: boolean, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  if (isCall(n, legacy)) return true;
  if (n.kind === 'list') return n.items.some((i) => containsCall(i, legacy, depth + 1));
  if (n.kind === 'map') return n.entries.some((e) => containsCall(e.value, legacy, depth + 1));
  return false;
}

/** Unit string -> multiplier to the canonical unit (prefixes applied). */
export function scalarFactors(t: TypeDef, h: Hierarchy): Map<string, number> {
  const out = new Map<string, number>();
  const prefixes = new Map<string, number>();
  for (const c of h.chain(t)) for (const [k, v] of c.prefixes ?? []) prefixes.set(k, v.value);
  for (const c of h.chain(t)) {
    for (const [u, v] of c.units ?? []) {
      out.set(u, v.value);
      for (const [p, pv] of prefixes) out.set(p + u, v.value * pv);
    }
  }
  return out;
}

function checkShape(
  n: PNode,
  type: TypeDef | undefined,
  schemas: { keySchema?: SchemaDef | undefined; entrySchema?: SchemaDef | undefined },
  ctx: ValueContext,
  what: string,
  depth = 0,
): void {
  if (isCall(n, ctx.legacy)) {
    toValue(n, ctx);
    return;
  }
  if (!type || depth > MAX_DEPTH) {
    toValue(n, ctx);
    return;
  }
  const h = ctx.hierarchy;
  const root = h.builtinRoot(type);
  const bad = (expected: string): void => {
    ctx.sink.report(n.pos, Codes.ValueType, `${what} must be ${expected} (type ${type.name}), not ${describe(n)}`);
    toValue(n, ctx); // still report malformed functions inside the wrong-typed value
  };
  const scalar = isScalar(n) ? n : undefined;
  if (root) {
    switch (root.name) {
      case 'string':
        if (scalar?.value === null || typeof scalar?.value !== 'string') bad('a string');
        break;
      case 'integer':
        if (!(scalar && typeof scalar.value === 'number' && !scalar.float && Number.isInteger(scalar.value))) bad('an integer');
        else if (Math.abs(scalar.value) > 2 ** 63) bad('a 64-bit integer');
        break;
      case 'float':
        if (!(scalar && typeof scalar.value === 'number')) bad('a float');
        break;
      case 'boolean':
        if (!(scalar && typeof scalar.value === 'boolean')) bad('true or false');
        break;
      case 'bytes':
        if (!(scalar && typeof scalar.value === 'string' && BASE64.test(scalar.value))) bad('base64-encoded bytes');
        break;
      case 'nil':
        if (!(scalar && scalar.value === null)) bad('null');
        break;
      case 'timestamp':
        if (!(scalar && typeof scalar.value === 'string' && isTimestamp(scalar.value))) bad('an RFC 3339 timestamp (e.g. 2024-01-31T12:00:00Z or 2024-01-31)');
        break;
      case 'version':
        // A YAML float such as `18.0` is the version 18.0 (its text, which the number loses, had the dot).
        if (!(scalar && (typeof scalar.value === 'string' || typeof scalar.value === 'number') && VERSION.test(versionText(scalar.value, scalar.float)))) bad('a version <major>.<minor>[.<fix>[.<qualifier>[-<build>]]]');
        break;
      case 'scalar': {
        const units = scalarUnits(type, h);
        if (type.name === 'scalar' || units.size === 0) {
          ctx.sink.report(n.pos, Codes.ValueType, `${what} uses the abstract type scalar: declare a scalar type with units`);
          break;
        }
        const p = typeof scalar?.value === 'string' ? parseScalar(scalar.value) : undefined;
        if (!p) bad(`a scalar "<number> <unit>" with a unit of ${[...units].slice(0, 8).join(', ')}`);
        else if (unitOf(p.unit, units, ctx.legacy) === undefined) ctx.sink.report(n.pos, Codes.ValueType, `${what}: unknown unit "${p.unit}" for ${type.name}; use one of ${[...units].slice(0, 12).join(', ')}`);
        else {
          const dt = h.inherited(type, 'dataType');
          const dtType = dt ? h.scopeOf(type)?.find(dt.name, 'data') : undefined;
          if (dtType && h.builtinRoot(dtType)?.name === 'integer' && !p.integer) bad('a scalar with an integer number');
          // 9.1.2.2: the number of a scalar is a value of its data_type, validation clauses included.
          else if (dtType && h.builtinRoot(dtType) !== dtType) {
            checkValue({ kind: 'scalar', value: p.number, float: !p.integer, quoted: false, pos: n.pos }, dtType, {}, ctx, `the number of ${what}`, depth + 1);
          }
        }
        break;
      }
      case 'list': {
        if (n.kind !== 'list') {
          bad('a list');
          break;
        }
        const es = schemas.entrySchema ?? h.inherited(type, 'entrySchema');
        const et = es ? resolveSchemaType(es, type, h, ctx) : undefined;
        n.items.forEach((item, i) => checkValue(item, et, { keySchema: es?.keySchema, entrySchema: es?.entrySchema, validation: es?.validation }, ctx, `entry ${i} of ${what}`, depth + 1));
        break;
      }
      case 'map': {
        if (n.kind !== 'map') {
          bad('a map');
          break;
        }
        const es = schemas.entrySchema ?? h.inherited(type, 'entrySchema');
        const ks = schemas.keySchema ?? h.inherited(type, 'keySchema');
        const et = es ? resolveSchemaType(es, type, h, ctx) : undefined;
        const kt = ks ? resolveSchemaType(ks, type, h, ctx) : undefined;
        for (const e of n.entries) {
          if (kt) checkValue(e.key, kt, { validation: ks?.validation }, ctx, `the key "${keyText(e.key)}" of ${what}`, depth + 1);
          else if (!(isScalar(e.key) && typeof e.key.value === 'string')) ctx.sink.report(e.key.pos, Codes.ValueType, `the keys of ${what} must be strings`);
          checkValue(e.value, et, { keySchema: es?.keySchema, entrySchema: es?.entrySchema, validation: es?.validation }, ctx, `the entry "${keyText(e.key)}" of ${what}`, depth + 1);
        }
        break;
      }
    }
    return;
  }
  // A complex data type: a map of its declared properties.
  if (n.kind !== 'map') {
    bad('a map of its properties');
    return;
  }
  const props = h.effective(type, 'properties');
  const scope = h.scopeOf(type);
  const seen = new Set<string>();
  for (const e of n.entries) {
    const k = keyText(e.key);
    seen.add(k);
    const p = props.get(k);
    if (!p) {
      ctx.sink.report(e.key.pos, Codes.NameUndeclared, `"${k}" is not a property of the data type ${type.name}; declared: ${[...props.keys()].join(', ') || 'none'}`);
      continue;
    }
    const pt = p.type && scope ? scope.find(p.type.name, 'data') : undefined;
    checkValue(e.value, pt?.kind === 'data' ? pt : undefined, p, ctx, `the field "${k}" of ${what}`, depth + 1);
  }
  for (const [k, p] of props) {
    if (!seen.has(k) && p.required !== false && p.default === undefined && p.value === undefined) {
      ctx.sink.report(n.pos, Codes.ValueRequired, `${what} lacks the required field "${k}" of ${type.name}`);
    }
  }
}

/** Resolves a schema's type in the scope of the type (or definition) that declared it. */
export function resolveSchemaType(s: SchemaDef, owner: TypeDef | Scope, h: Hierarchy, ctx: ValueContext): TypeDef | undefined {
  const scope = ('kind' in owner && 'name' in owner && 'file' in owner ? h.scopeOf(owner) : (owner as Scope)) ?? ctx.scope;
  const t = scope?.find(s.type.name, 'data');
  return t?.kind === 'data' ? t : undefined;
}
