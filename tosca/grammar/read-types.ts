/**
 * Readers for the eight kinds of type definitions (6.4) and the definitions that only types carry:
 * capability definitions, requirement definitions and relationship definitions.
 */
import { Codes, type Position } from '../problems/index.js';
import { describe, get, isList, isMap, isNumber, isScalar, isString, type PNode } from '../reader/index.js';
import type { CapabilityDef, RelationshipDefRef, RequirementDef, TypeDef, TypeKind } from '../model/index.js';
import type { GrammarContext } from './context.js';
import {
  readArtifactDef,
  readAssignments,
  readInterfaces,
  readOperation,
  readPropertyDefs,
  readSchema,
} from './read-common.js';

const COMMON = ['derived_from', 'version', 'metadata', 'description'];

const KIND_KEYS: Record<TypeKind, readonly string[]> = {
  artifact: ['mime_type', 'file_ext', 'properties'],
  data: ['validation', 'properties', 'key_schema', 'entry_schema', 'data_type', 'units', 'canonical_unit', 'prefixes'],
  capability: ['properties', 'attributes', 'valid_source_node_types', 'valid_relationship_types'],
  interface: ['inputs', 'operations', 'notifications'],
  relationship: ['properties', 'attributes', 'interfaces', 'valid_capability_types', 'valid_target_node_types', 'valid_source_node_types'],
  node: ['properties', 'attributes', 'capabilities', 'requirements', 'interfaces', 'artifacts'],
  group: ['properties', 'attributes', 'members', 'interfaces'],
  policy: ['properties', 'targets', 'triggers'],
};

const LEGACY_KEYS: Partial<Record<TypeKind, readonly string[]>> = {
  data: ['constraints'],
  relationship: ['valid_target_types'],
  capability: ['valid_source_types'],
  group: ['requirements', 'capabilities'],
};

export const KIND_SECTION: Record<TypeKind, string> = {
  artifact: 'artifact_types',
  data: 'data_types',
  capability: 'capability_types',
  interface: 'interface_types',
  relationship: 'relationship_types',
  node: 'node_types',
  group: 'group_types',
  policy: 'policy_types',
};

export function readCapabilityDef(g: GrammarContext, name: string, n: PNode, refinement = false): CapabilityDef | undefined {
  const what = `the capability definition "${name}"`;
  if (isString(n)) return { name, pos: n.pos, type: { name: n.value, pos: n.pos }, properties: new Map(), attributes: new Map() };
  const m = g.map(n, what);
  if (!m) return undefined;
  const allowed = ['type', 'description', 'metadata', 'properties', 'attributes', 'valid_source_node_types', 'valid_relationship_types'];
  if (g.legacy) allowed.push('occurrences', 'valid_source_types');
  g.keys(m, allowed, refinement ? [] : ['type'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  const vsnt = g.refList(get(m, 'valid_source_node_types') ?? get(m, 'valid_source_types'), 'valid_source_node_types');
  const vrt = g.refList(get(m, 'valid_relationship_types'), 'valid_relationship_types');
  g.metadata(get(m, 'metadata'));
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    properties: readPropertyDefs(g, get(m, 'properties'), 'refinement', `the properties of ${what}`),
    attributes: readPropertyDefs(g, get(m, 'attributes'), 'refinement', `the attributes of ${what}`),
    ...(vsnt && { validSourceNodeTypes: vsnt }),
    ...(vrt && { validRelationshipTypes: vrt }),
  };
}

export function readRelationshipDef(g: GrammarContext, n: PNode | undefined, what: string): RelationshipDefRef | undefined {
  if (n === undefined) return undefined;
  if (isString(n)) return { pos: n.pos, type: { name: n.value, pos: n.pos }, properties: new Map(), interfaces: new Map() };
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['type', 'description', 'metadata', 'properties', 'attributes', 'interfaces'], g.legacy ? [] : ['type'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  return {
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
    interfaces: readInterfaces(g, get(m, 'interfaces'), false, `the interfaces of ${what}`),
  };
}

/** `[min, max]` with max possibly UNBOUNDED; returns undefined (and reports) when malformed. */
export function readRange(g: GrammarContext, n: PNode | undefined, what: string): [number, number] | undefined {
  if (n === undefined) return undefined;
  if (!isList(n) || n.items.length !== 2) {
    g.report(n.pos, Codes.Shape, `${what} must be a list of two integers [min, max], not ${describe(n)}`);
    return undefined;
  }
  const [a, b] = n.items as [PNode, PNode];
  const lo = g.int(a, `the lower bound of ${what}`);
  const hi = isString(b) && b.value === 'UNBOUNDED' ? Infinity : g.int(b, `the upper bound of ${what} (an integer or UNBOUNDED)`);
  if (lo === undefined || hi === undefined) return undefined;
  if (lo < 0 || hi < lo) {
    g.report(n.pos, Codes.ValueInvalid, `${what} must satisfy 0 <= min <= max, got [${lo}, ${hi}]`);
    return undefined;
  }
  return [lo, hi];
}

export function readRequirementDef(g: GrammarContext, name: string, n: PNode, refinement: boolean): RequirementDef | undefined {
  const what = `the requirement definition "${name}"`;
  if (isString(n)) return { name, pos: n.pos, capability: { name: n.value, pos: n.pos } };
  const m = g.map(n, what);
  if (!m) return undefined;
  const allowed = ['description', 'metadata', 'relationship', 'node', 'capability', 'node_filter', 'count_range'];
  if (g.legacy) allowed.push('occurrences');
  // Refinements in derived types may leave out what the parent defines.
  g.keys(m, allowed, g.legacy || refinement ? [] : ['capability'], what);
  const description = g.str(get(m, 'description'), 'a description');
  const capability = g.ref(get(m, 'capability'), `the capability of ${what}`);
  const node = g.ref(get(m, 'node'), `the node of ${what}`);
  const relationship = readRelationshipDef(g, get(m, 'relationship'), `the relationship of ${what}`);
  const countRange = readRange(g, get(m, 'count_range') ?? get(m, 'occurrences'), `the count_range of ${what}`);
  const nodeFilter = get(m, 'node_filter');
  return {
    name,
    pos: m.pos,
    ...(description !== undefined && { description }),
    ...(capability && { capability }),
    ...(node && { node }),
    ...(relationship && { relationship }),
    ...(nodeFilter !== undefined && { nodeFilter }),
    ...(countRange && { countRange }),
  };
}

function readMultipliers(
  g: GrammarContext,
  n: PNode | undefined,
  what: string,
): Map<string, { value: number; float: boolean; pos: Position }> | undefined {
  if (n === undefined) return undefined;
  const out = new Map<string, { value: number; float: boolean; pos: Position }>();
  const m = g.map(n, what);
  if (!m) return undefined;
  for (const e of m.entries) {
    if (!isScalar(e.key) || (typeof e.key.value !== 'string' && e.key.value !== null)) {
      g.report(e.key.pos, Codes.Scalar, `the names in ${what} must be strings, not ${describe(e.key)}`);
      continue;
    }
    if (!isNumber(e.value)) {
      g.report(e.value.pos, Codes.Scalar, `the multiplier in ${what} must be an integer or a float, not ${describe(e.value)}`);
      continue;
    }
    out.set(String(e.key.value ?? ''), { value: e.value.value, float: e.value.float, pos: e.value.pos });
  }
  return out;
}

/** Reads one type definition of the given kind. */
export function readTypeDef(g: GrammarContext, kind: TypeKind, name: string, n: PNode): TypeDef | undefined {
  const what = `the ${kind} type "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  const allowed = [...COMMON, ...KIND_KEYS[kind], ...(g.legacy ? (LEGACY_KEYS[kind] ?? []) : [])];
  if (!(g.legacy && kind === 'interface')) g.keys(m, allowed, [], what);
  const derivedFrom = g.ref(get(m, 'derived_from'), `derived_from of ${what}`);
  const versionNode = get(m, 'version');
  let version: string | undefined;
  if (versionNode !== undefined) {
    if (isScalar(versionNode) && (typeof versionNode.value === 'string' || typeof versionNode.value === 'number')) {
      // YAML reads `1.0` as a float; keep its written form so "1.0" stays a valid version.
      const v = versionNode.value;
      version = typeof v === 'number' && versionNode.float && Number.isInteger(v) ? `${v}.0` : String(v);
    } else g.report(versionNode.pos, Codes.Shape, `the version of ${what} must be a version string, not ${describe(versionNode)}`);
  }
  const description = g.str(get(m, 'description'), `the description of ${what}`);
  const metadata = g.metadata(get(m, 'metadata'));
  const propsFlavor = derivedFrom ? 'refinement' : 'property';
  const def: {
    -readonly [K in keyof TypeDef]: TypeDef[K];
  } = {
    kind,
    name,
    pos: m.pos,
    file: g.file,
    ...(derivedFrom && { derivedFrom }),
    ...(version !== undefined && { version }),
    ...(description !== undefined && { description }),
    ...(metadata && { metadata }),
    properties: readPropertyDefs(g, get(m, 'properties'), propsFlavor, `the properties of ${what}`),
    attributes: readPropertyDefs(g, get(m, 'attributes'), derivedFrom ? 'refinement' : 'attribute', `the attributes of ${what}`),
    requirements: [],
    capabilities: new Map(),
    interfaces: new Map(),
    artifacts: new Map(),
    inputs: new Map(),
    operations: new Map(),
    notifications: new Map(),
  };
  switch (kind) {
    case 'artifact': {
      const mime = g.str(get(m, 'mime_type'), 'mime_type');
      if (mime !== undefined) def.mimeType = mime;
      const ext = g.strList(get(m, 'file_ext'), 'file_ext');
      if (ext) def.fileExt = ext;
      break;
    }
    case 'data': {
      const validation = get(m, 'validation') ?? (g.legacy ? get(m, 'constraints') : undefined);
      if (validation !== undefined) def.validation = validation;
      const ks = readSchema(g, get(m, 'key_schema'), `the key_schema of ${what}`);
      if (ks) def.keySchema = ks;
      const es = readSchema(g, get(m, 'entry_schema'), `the entry_schema of ${what}`);
      if (es) def.entrySchema = es;
      const dt = g.ref(get(m, 'data_type'), `the data_type of ${what}`);
      if (dt) def.dataType = dt;
      const units = readMultipliers(g, get(m, 'units'), `the units of ${what}`);
      if (units) def.units = units;
      const prefixes = readMultipliers(g, get(m, 'prefixes'), `the prefixes of ${what}`);
      if (prefixes) def.prefixes = prefixes;
      const cu = get(m, 'canonical_unit');
      const cus = g.str(cu, `the canonical_unit of ${what}`);
      if (cu && cus !== undefined) def.canonicalUnit = { value: cus, pos: cu.pos };
      break;
    }
    case 'capability': {
      const v = g.refList(get(m, 'valid_source_node_types') ?? get(m, 'valid_source_types'), 'valid_source_node_types');
      if (v) def.validSourceNodeTypes = v;
      const r = g.refList(get(m, 'valid_relationship_types'), 'valid_relationship_types');
      if (r) def.validRelationshipTypes = r;
      break;
    }
    case 'interface': {
      // Interface types declare their inputs: a bare value here is not a definition.
      const inputsNode = get(m, 'inputs');
      const im = g.map(inputsNode, `the inputs of ${what}`);
      if (im) for (const e of im.entries) if (!isMap(e.value)) g.report(e.value.pos, Codes.Shape, `the input "${String(isScalar(e.key) ? e.key.value : '?')}" of ${what} must be a parameter definition (a map), not ${describe(e.value)}`);
      def.inputs = readPropertyDefs(g, inputsNode, 'parameter', `the inputs of ${what}`);
      def.operations = g.named(get(m, 'operations'), `the operations of ${what}`, (op, v) => readOperation(g, op, v, false, false));
      if (g.legacy) {
        // 1.3 interface types list operations as top-level keys.
        for (const e of m.entries) {
          const k = isScalar(e.key) ? String(e.key.value) : '';
          if (allowed.includes(k)) continue;
          const o = readOperation(g, k, e.value, false, false);
          if (o) (def.operations as Map<string, typeof o>).set(k, o);
        }
      }
      def.notifications = g.named(get(m, 'notifications'), `the notifications of ${what}`, (op, v) =>
        readOperation(g, op, v, true, false),
      );
      break;
    }
    case 'relationship': {
      def.interfaces = readInterfaces(g, get(m, 'interfaces'), false, `the interfaces of ${what}`);
      // 1.3's valid_target_types listed capability types (2.0 renamed it valid_capability_types).
      const c = g.refList(get(m, 'valid_capability_types') ?? (g.legacy ? get(m, 'valid_target_types') : undefined), 'valid_capability_types');
      if (c) def.validCapabilityTypes = c;
      const t = g.refList(get(m, 'valid_target_node_types'), 'valid_target_node_types');
      if (t) def.validTargetNodeTypes = t;
      const s = g.refList(get(m, 'valid_source_node_types'), 'valid_source_node_types');
      if (s) def.validSourceNodeTypes = s;
      break;
    }
    case 'node': {
      def.capabilities = g.named(get(m, 'capabilities'), `the capabilities of ${what}`, (c, v) => readCapabilityDef(g, c, v, derivedFrom !== undefined));
      def.requirements = g.sequenced(get(m, 'requirements'), `the requirements of ${what}`, (r, v) =>
        readRequirementDef(g, r, v, derivedFrom !== undefined),
      );
      def.interfaces = readInterfaces(g, get(m, 'interfaces'), false, `the interfaces of ${what}`);
      def.artifacts = g.named(get(m, 'artifacts'), `the artifacts of ${what}`, (a, v) => readArtifactDef(g, a, v));
      break;
    }
    case 'group': {
      const mem = g.refList(get(m, 'members'), 'members');
      if (mem) def.members = mem;
      def.interfaces = readInterfaces(g, get(m, 'interfaces'), false, `the interfaces of ${what}`);
      break;
    }
    case 'policy': {
      const t = g.refList(get(m, 'targets'), 'targets');
      if (t) def.targets = t;
      const tr = get(m, 'triggers');
      if (tr !== undefined) def.triggers = g.named(tr, `the triggers of ${what}`, (_t, v) => (isMap(v) ? v : undefined));
      break;
    }
  }
  return def;
}
