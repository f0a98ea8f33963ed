/**
 * Readers for the building blocks shared by types and templates: schemas, property/attribute/
 * parameter definitions, artifacts, interfaces and operations.
 */
import { Codes } from '../problems/index.js';
import { describe, get, isMap, isList, isScalar, isString, type PNode } from '../reader/index.js';
import type {
  ArtifactDef,
  ImplementationDef,
  InterfaceDef,
  OperationDef,
  PropertyDef,
  Ref,
  SchemaDef,
} from '../model/index.js';
import type { GrammarContext } from './context.js';

const SCHEMA_KEYS = ['type', 'description', 'validation', 'key_schema', 'entry_schema', 'metadata'];
const PROPERTY_KEYS = [
  'type',
  'description',
  'metadata',
  'required',
  'default',
  'value',
  'validation',
  'key_schema',
  'entry_schema',
  'status',
];
const LEGACY_PROPERTY_KEYS = ['constraints', 'external-schema'];

/** A schema: a type name, or a map with `type` and optional nested schemas. */
export function readSchema(g: GrammarContext, n: PNode | undefined, what: string, refinement = false): SchemaDef | undefined {
  if (n === undefined) return undefined;
  if (isString(n)) return { pos: n.pos, type: { name: n.value, pos: n.pos } };
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, g.legacy ? [...SCHEMA_KEYS, 'constraints'] : SCHEMA_KEYS, refinement ? [] : ['type'], what);
  // A refinement in a derived type may leave the type out: the parent's schema type applies.
  const type = g.ref(get(m, 'type'), `the type of ${what}`) ?? (refinement && !get(m, 'type') ? { name: '', pos: m.pos } : undefined);
  if (!type) return undefined;
  const description = g.str(get(m, 'description'), 'a description');
  const validation = get(m, 'validation') ?? (g.legacy ? get(m, 'constraints') : undefined);
  const keySchema = readSchema(g, get(m, 'key_schema'), 'a key_schema');
  const entrySchema = readSchema(g, get(m, 'entry_schema'), 'an entry_schema');
  return {
    pos: m.pos,
    type,
    ...(description !== undefined && { description }),
    ...(validation !== undefined && { validation }),
    ...(keySchema && { keySchema }),
    ...(entrySchema && { entrySchema }),
  };
}

export type PropertyFlavor = 'property' | 'attribute' | 'parameter' | 'refinement';

/**
 * Reads a property, attribute or parameter definition. `parameter` accepts the single-line value
 * form and makes `type` optional; `refinement` (in a derived type or a capability definition)
 * also makes `type` optional because the parent supplies it.
 */
export function readPropertyDef(
  g: GrammarContext,
  name: string,
  n: PNode,
  flavor: PropertyFlavor,
): PropertyDef | undefined {
  const what = `the ${flavor === 'refinement' ? 'property' : flavor} definition "${name}"`;
  const isCallMap = isMap(n) && n.entries.length === 1 && isString(n.entries[0]!.key) && /^\$[^$]/.test(String(n.entries[0]!.key.value));
  if (!isMap(n) || isCallMap) {
    // Single-line form: the value itself (possibly a function call). Parameters (10.4) and, in a
    // refinement (a derived type, a capability definition refining its type), properties (9.4:
    // "the short form can be used only during a refinement"; the parent must define it).
    if (flavor === 'parameter' || flavor === 'refinement') return { name, pos: n.pos, value: n };
    g.report(n.pos, Codes.Shape, `${what} must be a map with at least "type", not ${describe(n)}`);
    return undefined;
  }
  let allowed = [...PROPERTY_KEYS];
  if (flavor === 'parameter') allowed.push('mapping');
  if (flavor === 'attribute') allowed = allowed.filter((k) => k !== 'value' && k !== 'required');
  if (g.legacy) allowed.push(...LEGACY_PROPERTY_KEYS, 'required', 'value');
  const typeRequired = flavor === 'property' || flavor === 'attribute';
  g.keys(n, allowed, typeRequired ? ['type'] : [], what);
  const type = g.ref(get(n, 'type'), `the type of ${what}`);
  const description = g.str(get(n, 'description'), 'a description');
  const required = g.bool(get(n, 'required'), `"required" of ${what}`);
  const def = get(n, 'default');
  const value = get(n, 'value');
  const mapping = get(n, 'mapping');
  if (value !== undefined && mapping !== undefined) {
    g.report(n.pos, Codes.Shape, `${what} has both "value" and "mapping": keep one (they are mutually exclusive)`);
  }
  const validation = get(n, 'validation') ?? (g.legacy ? get(n, 'constraints') : undefined);
  const keySchema = readSchema(g, get(n, 'key_schema'), `the key_schema of ${what}`, flavor === 'refinement');
  const entrySchema = readSchema(g, get(n, 'entry_schema'), `the entry_schema of ${what}`, flavor === 'refinement');
  const status = g.str(get(n, 'status'), `the status of ${what}`);
  // Keyword values in any case (Supported, DEPRECATED): the standard lists no case for them.
  if (status !== undefined && !['supported', 'unsupported', 'experimental', 'deprecated'].includes(status.toLowerCase())) {
    g.report(get(n, 'status')!.pos, Codes.ValueInvalid, `status must be one of supported, unsupported, experimental, deprecated`);
  }
  const metadata = g.metadata(get(n, 'metadata'));
  return {
    name,
    pos: n.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    ...(required !== undefined && { required }),
    ...(def !== undefined && { default: def }),
    ...(value !== undefined && { value }),
    ...(validation !== undefined && { validation }),
    ...(keySchema && { keySchema }),
    ...(entrySchema && { entrySchema }),
    ...(mapping !== undefined && { mapping }),
    ...(status !== undefined && { status }),
    ...(metadata && { metadata }),
  };
}

export function readPropertyDefs(
  g: GrammarContext,
  n: PNode | undefined,
  flavor: PropertyFlavor,
  what: string,
): Map<string, PropertyDef> {
  return g.named(n, what, (name, v) => readPropertyDef(g, name, v, flavor));
}

/** Property/attribute assignments: a map of names to values (values checked later against types). */
export function readAssignments(g: GrammarContext, n: PNode | undefined, what: string): Map<string, PNode> {
  return g.named(n, what, (_name, v) => v);
}

const ARTIFACT_KEYS = [
  'type',
  'file',
  'repository',
  'description',
  'metadata',
  'artifact_version',
  'checksum',
  'checksum_algorithm',
  'properties',
  'deploy_path',
];

export function readArtifactDef(g: GrammarContext, name: string, n: PNode): ArtifactDef | undefined {
  const what = `the artifact definition "${name}"`;
  if (g.legacy && isString(n)) return { name, pos: n.pos, file: n.value, properties: new Map() };
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ARTIFACT_KEYS, g.legacy ? ['file'] : ['type', 'file'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const file = g.str(get(m, 'file'), `the file of ${what}`);
  const repository = g.ref(get(m, 'repository'), `the repository of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  const artifactVersion = g.text(get(m, 'artifact_version'), 'an artifact_version');
  const checksum = g.str(get(m, 'checksum'), 'a checksum');
  const checksumAlgorithm = g.str(get(m, 'checksum_algorithm'), 'a checksum_algorithm');
  g.metadata(get(m, 'metadata'));
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(file !== undefined && { file }),
    ...(repository && { repository }),
    ...(description !== undefined && { description }),
    ...(artifactVersion !== undefined && { artifactVersion }),
    ...(checksum !== undefined && { checksum }),
    ...(checksumAlgorithm !== undefined && { checksumAlgorithm }),
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
  };
}

function readArtifactOrName(g: GrammarContext, n: PNode, what: string): ArtifactDef | Ref | undefined {
  if (isString(n)) return { name: n.value, pos: n.pos };
  return readArtifactDef(g, what, n);
}

export function readImplementation(g: GrammarContext, n: PNode | undefined): ImplementationDef | undefined {
  if (n === undefined) return undefined;
  if (isString(n)) return { pos: n.pos, primary: { name: n.value, pos: n.pos }, dependencies: [] };
  const m = g.map(n, 'an implementation');
  if (!m) return undefined;
  g.keys(m, g.legacy ? ['primary', 'dependencies', 'timeout', 'operation_host'] : ['primary', 'dependencies'], [], 'an implementation');
  const p = get(m, 'primary');
  const primary = p === undefined ? undefined : readArtifactOrName(g, p, 'primary');
  const deps: Array<ArtifactDef | Ref> = [];
  const d = get(m, 'dependencies');
  if (d !== undefined) {
    if (!isList(d)) g.report(d.pos, Codes.Shape, `dependencies must be a list, not ${describe(d)}`);
    else
      for (const item of d.items) {
        const a = readArtifactOrName(g, item, 'dependency');
        if (a) deps.push(a);
      }
  }
  // 1.x `timeout` (seconds): how long the script may run.
  const t = get(m, 'timeout');
  const timeout = t?.kind === 'scalar' && typeof t.value === 'number' ? t.value : undefined;
  if (t !== undefined && timeout === undefined) g.report(t.pos, Codes.Shape, `timeout must be a number of seconds, not ${describe(t)}`);
  return { pos: m.pos, ...(primary && { primary }), dependencies: deps, ...(timeout !== undefined && { timeout }) };
}

/**
 * An operation or notification definition. In types, inputs are parameter definitions; in
 * templates (`assignment`), inputs are values.
 */
export function readOperation(
  g: GrammarContext,
  name: string,
  n: PNode,
  notification: boolean,
  assignment: boolean,
): OperationDef | undefined {
  const what = `the ${notification ? 'notification' : 'operation'} "${name}"`;
  if (isString(n) || (isScalar(n) && n.value === null && assignment)) {
    // Short form: just the implementation artifact name.
    return {
      name,
      pos: n.pos,
      ...(isString(n) && { implementation: { pos: n.pos, primary: { name: n.value, pos: n.pos }, dependencies: [] } }),
      inputs: new Map(),
      outputs: new Map(),
      inputValues: new Map(),
      notification,
    };
  }
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['description', 'implementation', 'inputs', 'outputs'], [], what);
  const description = g.str(get(m, 'description'), 'a description');
  const implementation = readImplementation(g, get(m, 'implementation'));
  const inputsNode = get(m, 'inputs');
  const inputs = assignment ? new Map<string, PropertyDef>() : readPropertyDefs(g, inputsNode, 'parameter', `the inputs of ${what}`);
  const inputValues = assignment ? readAssignments(g, inputsNode, `the inputs of ${what}`) : new Map<string, PNode>();
  const outputs = readPropertyDefs(g, get(m, 'outputs'), 'parameter', `the outputs of ${what}`);
  return {
    name,
    pos: m.pos,
    ...(description !== undefined && { description }),
    ...(implementation && { implementation }),
    inputs,
    outputs,
    inputValues,
    notification,
  };
}

/** An interface definition (in types) or assignment (in templates). */
export function readInterface(g: GrammarContext, name: string, n: PNode, assignment: boolean): InterfaceDef | undefined {
  const what = `the interface "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  const allowed = assignment ? ['inputs', 'operations', 'notifications', 'description'] : ['type', 'description', 'metadata', 'inputs', 'operations', 'notifications'];
  // 1.3 wrote operations directly under the interface; read those keys as operations.
  const legacyOps = g.legacy ? m.entries.filter((e) => isString(e.key) && !allowed.includes(e.key.value)) : [];
  if (!g.legacy) g.keys(m, allowed, [], what);
  const type = assignment ? undefined : g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  const inputsNode = get(m, 'inputs');
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    inputs: assignment ? new Map() : readPropertyDefs(g, inputsNode, 'parameter', `the inputs of ${what}`),
    inputValues: assignment ? readAssignments(g, inputsNode, `the inputs of ${what}`) : new Map(),
    operations: new Map([
      ...g.named(get(m, 'operations'), `the operations of ${what}`, (op, v) => readOperation(g, op, v, false, assignment)),
      ...legacyOps.flatMap((e) => {
        const o = readOperation(g, String((e.key as { value: unknown }).value), e.value, false, assignment);
        return o ? [[o.name, o] as const] : [];
      }),
    ]),
    notifications: g.named(get(m, 'notifications'), `the notifications of ${what}`, (op, v) =>
      readOperation(g, op, v, true, assignment),
    ),
  };
}

export function readInterfaces(g: GrammarContext, n: PNode | undefined, assignment: boolean, what: string): Map<string, InterfaceDef> {
  return g.named(n, what, (name, v) => readInterface(g, name, v, assignment));
}
