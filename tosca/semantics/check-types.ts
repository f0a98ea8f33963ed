/**
 * Checks type definitions: references resolve to types of the right kind, derivation narrows and
 * never widens, data types follow 9.2 and scalar types follow 9.1.2.2.
 */
import { Codes } from '../problems/index.js';
import type { PNode } from '../reader/index.js';
import type { FunctionDef, PropertyDef, Ref, SchemaDef, TypeDef, TypeKind } from '../model/index.js';
import type { Scope } from './scope.js';
import { checkValue, VERSION, type ValueContext } from './values.js';
import { toValue } from './functions.js';

function refs(scope: Scope, list: readonly Ref[] | undefined, kind: TypeKind, ctx: ValueContext, what: string): void {
  for (const r of list ?? []) scope.resolve(r, kind, ctx.sink, what);
}

/** 9.11: a validation clause is a boolean function call (1.3 `constraints` lists are accepted in legacy files). */
export function checkClause(n: PNode | undefined, ctx: ValueContext, what: string): void {
  if (n === undefined) return;
  const v = toValue(n, ctx);
  if (v.kind !== 'call' && !(v.kind === 'scalar' && typeof v.value === 'boolean') && !ctx.legacy) {
    ctx.sink.report(n.pos, Codes.Shape, `the validation clause of ${what} must be a boolean function such as $equal or $and`);
  }
}

/** Checks a property/attribute/parameter definition in the given scope; returns its data type. */
export function checkPropertyDef(p: PropertyDef, scope: Scope, ctx: ValueContext, what: string, parent?: PropertyDef): TypeDef | undefined {
  const h = ctx.hierarchy;
  const t = p.type ? scope.resolve(p.type, 'data', ctx.sink, `the type of ${what}`) : parent?.type ? scope.find(parent.type.name, 'data') : undefined;
  if (p.type && t && parent?.type) {
    // 6.4.2: a refined definition may only change the type to a type derived from the original.
    const pt = scope.find(parent.type.name, 'data');
    if (pt && pt.kind === 'data' && !h.derivesFrom(t, pt)) {
      ctx.sink.report(p.type.pos, Codes.Refinement, `${what} refines the type ${parent.type.name} to ${t.name}, which does not derive from it`);
    }
  }
  if (parent?.value !== undefined && p.value !== undefined && parent.value !== p.value) {
    ctx.sink.report(p.value.pos, Codes.Refinement, `${what} has a fixed value in the parent type: it cannot be changed`);
  }
  checkClause(p.validation, ctx, what);
  for (const s of [p.keySchema, p.entrySchema]) {
    checkClause(s?.validation, ctx, `the schema of ${what}`);
    if (s && s.type.name !== '') scope.resolve(s.type, 'data', ctx.sink, `the schema type of ${what}`);
    if (s?.entrySchema) scope.resolve(s.entrySchema.type, 'data', ctx.sink, `the schema type of ${what}`);
    if (s?.keySchema) scope.resolve(s.keySchema.type, 'data', ctx.sink, `the schema type of ${what}`);
  }
  if (t) {
    const root = h.builtinRoot(t)?.name;
    if (root !== 'list' && root !== 'map') {
      if (p.entrySchema) ctx.sink.report(p.entrySchema.pos, Codes.Shape, `${what} is not a list or map, so it takes no entry_schema`);
    }
    if (root !== 'map' && p.keySchema) ctx.sink.report(p.keySchema.pos, Codes.Shape, `${what} is not a map, so it takes no key_schema`);
    if (p.keySchema) {
      const kt = scope.find(p.keySchema.type.name, 'data');
      if (kt && kt.kind === 'data' && h.builtinRoot(kt)?.name !== 'string') {
        ctx.sink.report(p.keySchema.pos, Codes.Shape, `the key_schema of ${what} must be string or derived from string (9.3)`);
      }
    }
    const pick = (mine: typeof p.keySchema, theirs: typeof p.keySchema) => (mine && mine.type.name !== '' ? mine : theirs ?? mine);
    const schemas = { keySchema: pick(p.keySchema, parent?.keySchema), entrySchema: pick(p.entrySchema, parent?.entrySchema) };
    if (p.default !== undefined) checkValue(p.default, t, schemas, ctx, `the default of ${what}`);
    if (p.value !== undefined) checkValue(p.value, t, schemas, ctx, `the value of ${what}`);
  }
  return t;
}

function checkProps(t: TypeDef, scope: Scope, key: 'properties' | 'attributes' | 'inputs', ctx: ValueContext): void {
  const parent = ctx.hierarchy.parent(t);
  const inherited = parent ? ctx.hierarchy.effective(parent, key) : new Map<string, PropertyDef>();
  for (const [n, p] of t[key]) {
    const what = `the ${key === 'properties' ? 'property' : key === 'attributes' ? 'attribute' : 'input'} "${n}" of ${t.name}`;
    // A definition without a type (the short form `name: value`, or a refinement map) only refines.
    if (key !== 'inputs' && p.type === undefined && !inherited.has(n)) {
      ctx.sink.report(p.pos, Codes.KeyMissing, `${what} has no type, and ${parent ? `${parent.name} defines no such ${key === 'properties' ? 'property' : 'attribute'} to refine` : 'there is no parent type to refine'}: add "type" (the short form "${n}: <value>" only refines an inherited definition)`);
      continue;
    }
    checkPropertyDef(p, scope, ctx, what, inherited.get(n));
  }
}

function checkScalar(t: TypeDef, ctx: ValueContext): void {
  const h = ctx.hierarchy;
  const parent = h.parent(t);
  const where = t.derivedFrom?.pos ?? t.pos;
  if (t.properties.size > 0) ctx.sink.report(t.pos, Codes.Scalar, `the scalar type ${t.name} must not declare properties`);
  const dtRef = h.inherited(t, 'dataType');
  const scope = h.scopeOf(t);
  const dt = dtRef && scope ? scope.resolve(dtRef, 'data', ctx.sink, 'the data_type') : undefined;
  const dtRoot = dt ? h.builtinRoot(dt)?.name : 'float';
  if (dt && dtRoot !== 'float' && dtRoot !== 'integer') ctx.sink.report(dtRef!.pos, Codes.Scalar, `the data_type of ${t.name} must be float or integer (or derive from them)`);
  const parentDt = parent && parent.name !== 'scalar' ? (h.inherited(parent, 'dataType')?.name ?? 'float') : undefined;
  if (t.dataType && parentDt !== undefined && parentDt !== t.dataType.name) {
    ctx.sink.report(t.dataType.pos, Codes.Scalar, `data_type must not be changed when deriving from ${parent?.name ?? "its parent"}`);
  }
  if (t.canonicalUnit && parent && h.inherited(parent, 'canonicalUnit') !== undefined) {
    ctx.sink.report(t.canonicalUnit.pos, Codes.Scalar, `canonical_unit is set by ${parent.name} and must not be changed or added`);
  }
  const units = new Map<string, { value: number; float: boolean }>();
  for (const c of h.chain(t).reverse()) for (const [k, v] of c.units ?? []) units.set(k, v);
  if (units.size === 0) {
    ctx.sink.report(where, Codes.Scalar, `the scalar type ${t.name} must declare units (at least one with multiplier 1)`);
    return;
  }
  if (dtRoot === 'integer') {
    for (const [k, v] of t.units ?? []) if (v.float || !Number.isInteger(v.value)) ctx.sink.report(v.pos, Codes.Scalar, `the multiplier of unit "${k}" must be an integer because the data_type is integer`);
  }
  for (const m of [t.units, t.prefixes]) {
    for (const [k, v] of m ?? []) {
      if (!(v.value > 0)) ctx.sink.report(v.pos, Codes.Scalar, `the multiplier of "${k}" must be positive`);
      else if (dtRoot === 'integer' && m === t.prefixes && (v.float || !Number.isInteger(v.value))) ctx.sink.report(v.pos, Codes.Scalar, `the prefix "${k}" must have an integer multiplier because the data_type is integer`);
    }
  }
  const ones = [...units].filter(([, v]) => v.value === 1).map(([k]) => k);
  if (ones.length === 0) ctx.sink.report(where, Codes.Scalar, `one unit of ${t.name} must have the multiplier 1`);
  const prefixes = new Map<string, { value: number }>();
  for (const c of h.chain(t)) for (const [k, v] of c.prefixes ?? []) prefixes.set(k, v);
  if (t.prefixes) {
    if (units.size !== 1 || ones.length !== 1) ctx.sink.report(where, Codes.Scalar, `with prefixes, ${t.name} must have exactly one unit, with multiplier 1`);
    if (![...t.prefixes.values()].some((v) => v.value === 1)) ctx.sink.report(where, Codes.Scalar, `the prefixes of ${t.name} must include one with multiplier 1 (usually "")`);
  }
  const canonical = h.inherited(t, 'canonicalUnit');
  if (ones.length > 1 && !canonical) ctx.sink.report(where, Codes.Scalar, `${t.name} has several units with multiplier 1, so it needs a canonical_unit`);
  if (t.canonicalUnit) {
    const all = new Set<string>(units.keys());
    for (const u of units.keys()) for (const p of prefixes.keys()) all.add(p + u);
    if (!all.has(t.canonicalUnit.value)) ctx.sink.report(t.canonicalUnit.pos, Codes.Scalar, `the canonical_unit "${t.canonicalUnit.value}" is not one of the units of ${t.name}`);
    else {
      let mult = units.get(t.canonicalUnit.value)?.value;
      if (mult === undefined) for (const [u, uv] of units) for (const [p, pv] of prefixes) if (p + u === t.canonicalUnit.value) mult = uv.value * pv.value;
      if (mult !== 1) ctx.sink.report(t.canonicalUnit.pos, Codes.Scalar, `the canonical_unit "${t.canonicalUnit.value}" must have the multiplier 1`);
    }
  }
}

function checkDataType(t: TypeDef, ctx: ValueContext): void {
  const h = ctx.hierarchy;
  checkClause(t.validation, ctx, `the data type ${t.name}`);
  const root = h.builtinRoot(t)?.name;
  const scalarKeys = t.units !== undefined || t.prefixes !== undefined || t.canonicalUnit !== undefined || t.dataType !== undefined;
  if (root === 'scalar') {
    checkScalar(t, ctx);
    return;
  }
  if (scalarKeys) ctx.sink.report(t.pos, Codes.Scalar, `units, prefixes, canonical_unit and data_type are only for types derived from scalar; ${t.name} is not`);
  if (root && root !== 'list' && root !== 'map' && t.properties.size > 0) {
    ctx.sink.report(t.pos, Codes.TypeKind, `${t.name} derives from the built-in type ${root}, so it cannot add properties (9.2)`);
  }
  if (root !== 'map' && t.keySchema) ctx.sink.report(t.keySchema.pos, Codes.Shape, `only types derived from map take a key_schema`);
  if (root !== 'list' && root !== 'map' && t.entrySchema) ctx.sink.report(t.entrySchema.pos, Codes.Shape, `only types derived from list or map take an entry_schema`);
  const scope = h.scopeOf(t);
  if (scope) for (const s of [t.keySchema, t.entrySchema]) if (s) scope.resolve(s.type, 'data', ctx.sink, `the schema type of ${t.name}`);
}

/** Checks one type definition in its scope. */
export function checkType(t: TypeDef, scope: Scope, ctx: ValueContext): void {
  const h = ctx.hierarchy;
  h.parent(t);
  if (t.version !== undefined && !VERSION.test(t.version)) {
    ctx.sink.report(t.pos, Codes.ValueInvalid, `the version "${t.version}" of ${t.name} is not <major>.<minor>[.<fix>[.<qualifier>[-<build>]]]`);
  }
  checkProps(t, scope, 'properties', ctx);
  checkProps(t, scope, 'attributes', ctx);
  switch (t.kind) {
    case 'data':
      checkDataType(t, ctx);
      break;
    case 'capability':
      refs(scope, t.validSourceNodeTypes, 'node', ctx, 'valid source node type');
      refs(scope, t.validRelationshipTypes, 'relationship', ctx, 'valid relationship type');
      break;
    case 'relationship':
      refs(scope, t.validCapabilityTypes, 'capability', ctx, 'valid capability type');
      refs(scope, t.validTargetNodeTypes, 'node', ctx, 'valid target node type');
      refs(scope, t.validSourceNodeTypes, 'node', ctx, 'valid source node type');
      break;
    case 'group':
      refs(scope, t.members, 'node', ctx, 'member type');
      break;
    case 'policy':
      for (const r of t.targets ?? []) {
        const x = (scope.find(r.name, 'node') ?? scope.find(r.name, 'group') ?? scope.find(r.name));
        if (!x) ctx.sink.report(r.pos, Codes.TypeUnknown, `the target type "${r.name}" is not defined`);
        else if (x.kind !== 'node' && x.kind !== 'group') ctx.sink.report(r.pos, Codes.TypeKind, `policy targets must be node or group types; "${r.name}" is a ${x.kind} type`);
      }
      break;
    case 'interface':
      for (const [n, p] of t.inputs) checkPropertyDef(p, scope, ctx, `the input "${n}" of ${t.name}`);
      break;
    default:
      break;
  }
  for (const [, c] of t.capabilities) {
    const own = scope.resolve(c.type, 'capability', ctx.sink, `the type of capability "${c.name}"`);
    refs(scope, c.validSourceNodeTypes, 'node', ctx, 'valid source node type');
    refs(scope, c.validRelationshipTypes, 'relationship', ctx, 'valid relationship type');
    // Property definitions inside a capability definition refine its type's (or an inherited
    // capability definition's) properties: the short form `port: 8080` needs one to refine.
    let capType = own;
    if (!capType) {
      for (const a of ctx.hierarchy.chain(t).slice(1)) {
        const inheritedCap = a.capabilities.get(c.name);
        if (inheritedCap?.type) {
          capType = ctx.hierarchy.scopeOf(a)?.find(inheritedCap.type.name, 'capability');
          break;
        }
      }
    }
    if (!capType || capType.kind !== 'capability') continue;
    for (const key of ['properties', 'attributes'] as const) {
      const base = ctx.hierarchy.effective(capType, key);
      for (const [n, p] of c[key]) {
        const what = `the ${key === 'properties' ? 'property' : 'attribute'} "${n}" of capability "${c.name}" of ${t.name}`;
        if (p.type === undefined && !base.has(n)) {
          ctx.sink.report(p.pos, Codes.NameUndeclared, `${what} refines nothing: ${capType.name} declares ${[...base.keys()].join(', ') || 'none'} (add "type" to define a new one)`);
        } else if (base.has(n)) checkPropertyDef(p, scope, ctx, what, base.get(n));
      }
    }
  }
  for (const r of t.requirements) {
    const node = r.node ? scope.resolve(r.node, 'node', ctx.sink, `the node type of requirement "${r.name}"`) : undefined;
    if (r.capability) {
      const ct = scope.find(r.capability.name, 'capability');
      const capNames = node ? [...h.chain(node)].some((n) => n.capabilities.has(r.capability!.name)) : false;
      if (!capNames) {
        if (!ct) ctx.sink.report(r.capability.pos, Codes.TypeUnknown, `the capability "${r.capability.name}" of requirement "${r.name}" is neither a capability type nor a capability of its node type`);
        else if (ct.kind !== 'capability') ctx.sink.report(r.capability.pos, Codes.TypeKind, `"${r.capability.name}" is a ${ct.kind} type, but requirement "${r.name}" needs a capability type`);
      }
    }
    if (r.nodeFilter !== undefined) {
      const v = toValue(r.nodeFilter, ctx);
      if (v.kind !== 'call' && !ctx.legacy) ctx.sink.report(r.nodeFilter.pos, Codes.Shape, `the node_filter of requirement "${r.name}" must be a condition (a boolean function such as $and or $equal)`);
    }
    if (r.relationship?.type) scope.resolve(r.relationship.type, 'relationship', ctx.sink, `the relationship of requirement "${r.name}"`);
  }
  for (const [, i] of t.interfaces) {
    scope.resolve(i.type, 'interface', ctx.sink, `the type of interface "${i.name}"`);
  }
  for (const [, a] of t.artifacts) scope.resolve(a.type, 'artifact', ctx.sink, `the type of artifact "${a.name}"`);
}

/** Function definitions (10.4): every argument and result schema names a data type. */
export function checkFunctionDef(f: FunctionDef, scope: Scope, ctx: ValueContext): void {
  const schema = (sd: SchemaDef | undefined, what: string): void => {
    if (!sd || sd.type.name === '') return;
    scope.resolve(sd.type, 'data', ctx.sink, `the type of ${what} of function "${f.name}"`);
    schema(sd.entrySchema, what);
    schema(sd.keySchema, what);
  };
  for (const sig of f.signatures) {
    sig.arguments.forEach((a, i) => schema(a, `argument ${i + 1}`));
    sig.optionalArguments.forEach((a, i) => schema(a, `optional argument ${i + 1}`));
    schema(sig.result, 'the result');
  }
}
