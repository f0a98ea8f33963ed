/**
 * Positioned YAML (PNode) -> Floria expression, typed by the TOSCA data type when one is known:
 * integers become bigint, floats number, scalars/versions/timestamps typed custom values, complex
 * data types maps. Function calls (`$name`, `{ $name: args }`) become eager calls of `tosca:<name>`
 * (every call is eager: arguments are passed by name and the callee evaluates what it needs).
 */
import type { Expression } from '../../store/index.js';
import { call, map } from '../../store/index.js';
import type { PNode } from '../reader/index.js';
import type { SchemaDef, TypeDef } from '../model/index.js';
import type { Hierarchy } from '../semantics/index.js';
import { functionName, parseScalar, scalarUnits, unitOf, versionText } from '../semantics/index.js';
import { scalarValue, timestampValue, versionValue } from '../functions/index.js';

export interface TypeResolver {
  readonly hierarchy: Hierarchy;
  /** The Floria function a TOSCA `$name` calls (built-ins `tosca:<name>`, custom ones their plugin). */
  floriaFunction?(name: string): string;
  /**
   * TOSCA 1.x values: intrinsic functions without `$` (`{ get_input: x }`), `$` strings literal,
   * scalar units case-insensitive.
   */
  readonly legacy?: boolean;
  /** Resolves a data type name as seen from the given owner types (child first), or the entry scope. */
  dataType(name: string, owners?: readonly TypeDef[]): TypeDef | undefined;
}

const MAX_DEPTH = 100;

/** TOSCA 1.x intrinsic functions (Simple Profile 1.3, 4.3-4.7), written without `$`. */
export const LEGACY_INTRINSICS: ReadonlySet<string> = new Set([
  'get_input', 'get_property', 'get_attribute', 'get_operation_output', 'get_nodes_of_type', 'get_artifact', 'concat', 'join', 'token',
]);

/** The function a node calls (`$name` in 2.0, `{ name: args }` for 1.x intrinsics), or undefined. */
function callName(n: PNode, legacy: boolean): string | undefined {
  if (n.kind === 'scalar') return !legacy && typeof n.value === 'string' ? functionName(n.value) : undefined;
  if (n.kind === 'map' && n.entries.length === 1) {
    const k = n.entries[0]!.key;
    if (k.kind !== 'scalar' || typeof k.value !== 'string') return undefined;
    return legacy ? (LEGACY_INTRINSICS.has(k.value) ? k.value : undefined) : functionName(k.value);
  }
  return undefined;
}

export function isCallNode(n: PNode, legacy = false): boolean {
  return callName(n, legacy) !== undefined;
}

/** True when the expression holds a call anywhere (its value is computed, not literal). */
export function hasCall(n: PNode, legacy = false, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (isCallNode(n, legacy)) return true;
  if (n.kind === 'list') return n.items.some((i) => hasCall(i, legacy, depth + 1));
  if (n.kind === 'map') return n.entries.some((e) => hasCall(e.key, legacy, depth + 1) || hasCall(e.value, legacy, depth + 1));
  return false;
}

function unescape(s: string, legacy = false): string {
  return !legacy && s.startsWith('$$') ? s.slice(1) : s;
}

function callOf(n: PNode, r: TypeResolver | undefined, depth: number): Expression {
  const legacy = r?.legacy === true;
  const fn = (name: string): string => r?.floriaFunction?.(name) ?? `tosca:${name}`;
  const name = callName(n, legacy)!;
  if (n.kind === 'scalar') return call(fn(name), [], 'eager');
  const e = (n as Extract<PNode, { kind: 'map' }>).entries[0]!;
  const args = e.value.kind === 'list' ? e.value.items : [e.value];
  // 1.x `get_input: name` and `get_input: [name, nested…]` have the 2.0 shapes; so do the others.
  return call(fn(name), args.map((a) => toExpression(a, undefined, r, depth + 1)), 'eager');
}

/** Converts without a type: YAML integers -> bigint, floats -> number; calls detected everywhere. */
export function toExpression(n: PNode, type: TypeDef | undefined, r: TypeResolver | undefined, depth = 0, schemas?: { entrySchema?: SchemaDef; keySchema?: SchemaDef }): Expression {
  if (depth > MAX_DEPTH) return null;
  if (isCallNode(n, r?.legacy === true)) return callOf(n, r, depth);
  if (type && r) {
    const typed = typedValue(n, type, r, depth, schemas);
    if (typed !== undefined) return typed;
  }
  if (n.kind === 'scalar') {
    const v = n.value;
    if (typeof v === 'number') return n.float || !Number.isInteger(v) ? v : BigInt(v);
    if (typeof v === 'string') return unescape(v, r?.legacy === true);
    return v;
  }
  if (n.kind === 'list') return n.items.map((i) => toExpression(i, undefined, r, depth + 1));
  return map(n.entries.map((e) => [toExpression(e.key, undefined, r, depth + 1), toExpression(e.value, undefined, r, depth + 1)] as const));
}

function schemaType(s: SchemaDef | undefined, owner: TypeDef | undefined, r: TypeResolver): TypeDef | undefined {
  if (!s) return undefined;
  return r.dataType(s.type.name, owner ? r.hierarchy.chain(owner) : undefined);
}

/** Typed conversion; undefined = fall back to the untyped conversion (value already checked by validation). */
function typedValue(n: PNode, type: TypeDef, r: TypeResolver, depth: number, schemas?: { entrySchema?: SchemaDef; keySchema?: SchemaDef }): Expression | undefined {
  const root = r.hierarchy.builtinRoot(type);
  const rootName = root?.name;
  if (rootName === 'integer' && n.kind === 'scalar' && typeof n.value === 'number' && !n.float) return BigInt(n.value);
  if (rootName === 'float' && n.kind === 'scalar' && typeof n.value === 'number') return n.value;
  if (rootName === 'string' && n.kind === 'scalar' && typeof n.value === 'string') return unescape(n.value, r.legacy === true);
  if (rootName === 'version' && n.kind === 'scalar' && n.value !== null) {
    try {
      return versionValue(typeof n.value === 'number' || typeof n.value === 'string' ? versionText(n.value, n.float) : String(n.value));
    } catch {
      return undefined;
    }
  }
  if (rootName === 'timestamp' && n.kind === 'scalar' && typeof n.value === 'string') {
    try {
      return timestampValue(n.value);
    } catch {
      return undefined;
    }
  }
  if (rootName === 'bytes' && n.kind === 'scalar' && typeof n.value === 'string') return new Uint8Array(Buffer.from(n.value, 'base64'));
  if (rootName === 'scalar' && n.kind === 'scalar' && typeof n.value === 'string') return scalarOf(n.value, type, r);
  const entrySchema = schemas?.entrySchema ?? r.hierarchy.inherited(type, 'entrySchema');
  const keySchema = schemas?.keySchema ?? r.hierarchy.inherited(type, 'keySchema');
  if (rootName === 'list' && n.kind === 'list') {
    const et = schemaType(entrySchema, type, r);
    return n.items.map((i) => toExpression(i, et, r, depth + 1, nested(entrySchema)));
  }
  if (rootName === 'map' && n.kind === 'map') {
    const et = schemaType(entrySchema, type, r);
    const kt = schemaType(keySchema, type, r);
    return map(n.entries.map((e) => [toExpression(e.key, kt, r, depth + 1), toExpression(e.value, et, r, depth + 1, nested(entrySchema))] as const));
  }
  if (!root && n.kind === 'map') {
    // A complex data type: each property with its own type.
    const props = r.hierarchy.effective(type, 'properties');
    const chain = r.hierarchy.chain(type);
    return map(
      n.entries.map((e) => {
        const name = e.key.kind === 'scalar' ? String(e.key.value) : '';
        const def = props.get(name);
        const pt = def?.type ? r.dataType(def.type.name, chain) : undefined;
        return [toExpression(e.key, undefined, r, depth + 1), toExpression(e.value, pt, r, depth + 1, def ? { ...(def.entrySchema && { entrySchema: def.entrySchema }), ...(def.keySchema && { keySchema: def.keySchema }) } : undefined)] as const;
      }),
    );
  }
  return undefined;
}

function nested(s: SchemaDef | undefined): { entrySchema?: SchemaDef; keySchema?: SchemaDef } | undefined {
  if (!s) return undefined;
  return { ...(s.entrySchema && { entrySchema: s.entrySchema }), ...(s.keySchema && { keySchema: s.keySchema }) };
}

/** `"512 MiB"` -> a typed scalar whose canonical amount is in the type's base unit. */
export function scalarOf(text: string, type: TypeDef, r: TypeResolver): Expression | undefined {
  const raw = parseScalar(text);
  if (!raw) return undefined;
  const unit = r.legacy ? unitOf(raw.unit, scalarUnits(type, r.hierarchy), true) ?? raw.unit : raw.unit;
  const parsed = { ...raw, unit };
  const chain = r.hierarchy.chain(type);
  let factor: number | undefined;
  for (const c of chain) {
    const u = c.units?.get(parsed.unit);
    if (u) {
      factor = u.value;
      break;
    }
  }
  if (factor === undefined) {
    for (const c of chain) {
      for (const [prefix, p] of c.prefixes ?? []) {
        if (!parsed.unit.startsWith(prefix) || prefix === '') continue;
        const unit = parsed.unit.slice(prefix.length);
        for (const d of chain) {
          const u = d.units?.get(unit);
          if (u) factor = p.value * u.value;
        }
        if (factor !== undefined) break;
      }
      if (factor !== undefined) break;
    }
  }
  if (factor === undefined) return undefined;
  const dataType = r.hierarchy.inherited(type, 'dataType');
  const integral = dataType?.name === 'integer';
  return scalarValue({
    type: type.name,
    amount: integral && parsed.integer ? BigInt(parsed.number) : parsed.number,
    unit: parsed.unit,
    canonical: parsed.number * factor,
  });
}
