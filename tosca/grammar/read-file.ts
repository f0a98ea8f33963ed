/** Reads one TOSCA file (6.1): checks the top-level grammar and returns its definitions. */
import { Codes, type Position, type ProblemSink } from '../problems/index.js';
import { describe, get, isList, isMap, isNull, isScalar, isString, type PMap, type PNode } from '../reader/index.js';
import {
  TYPE_KINDS,
  type FunctionDef,
  type FunctionSignatureDef,
  type ImportDef,
  type RepositoryDef,
  type SchemaDef,
  type ServiceTemplateDef,
  type TypeDef,
  type TypeKind,
} from '../model/index.js';
import { GrammarContext } from './context.js';
import { readImplementation, readSchema } from './read-common.js';
import { KIND_SECTION, readTypeDef } from './read-types.js';
import { readServiceTemplate } from './read-templates.js';

export const TOSCA_2_0 = 'tosca_2_0';
export const LEGACY_VERSIONS = [
  'tosca_simple_yaml_1_3',
  'tosca_simple_yaml_1_2',
  'tosca_simple_yaml_1_1',
  'tosca_simple_yaml_1_0',
  // The NFV profile's own version string (TOSCA Simple Profile for NFV 1.0, 5.1); its types are not bundled.
  'tosca_simple_profile_for_nfv_1_0_0',
];

/** Everything one file declares, before imports are resolved. */
export interface ToscaFileDef {
  readonly file: string;
  readonly pos: Position;
  readonly version: string;
  readonly legacy: boolean;
  readonly profile?: { name: string; pos: Position };
  readonly description?: string;
  readonly imports: readonly ImportDef[];
  readonly types: Readonly<Record<TypeKind, ReadonlyMap<string, TypeDef>>>;
  readonly repositories: ReadonlyMap<string, RepositoryDef>;
  readonly functions: ReadonlyMap<string, FunctionDef>;
  readonly serviceTemplate?: ServiceTemplateDef;
}

const TOP_KEYS = [
  'tosca_definitions_version',
  'description',
  'metadata',
  'dsl_definitions',
  'artifact_types',
  'data_types',
  'capability_types',
  'interface_types',
  'relationship_types',
  'node_types',
  'group_types',
  'policy_types',
  'repositories',
  'functions',
  'profile',
  'imports',
  'service_template',
];
const LEGACY_TOP_KEYS = ['namespace', 'template_name', 'template_author', 'template_version', 'topology_template'];

const URL_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

const LEGACY_IMPORT_KEYS = ['url', 'profile', 'repository', 'namespace', 'description', 'metadata', 'file', 'namespace_prefix', 'namespace_uri'];

function readImport(g: GrammarContext, n: PNode): ImportDef | undefined {
  if (isString(n)) {
    if (n.value === '') {
      g.report(n.pos, Codes.ImportInvalid, 'an import must name a file or a profile');
      return undefined;
    }
    return { pos: n.pos, url: n.value };
  }
  const m = g.map(n, 'an import definition');
  if (!m) return undefined;
  // TOSCA 1.0-1.2 named imports: `- <import_name>: <file_URI>` or `- <import_name>: { file: … }`.
  const only = m.entries.length === 1 ? m.entries[0]! : undefined;
  if (g.legacy && only && isString(only.key) && !LEGACY_IMPORT_KEYS.includes(only.key.value) && (isString(only.value) || isMap(only.value))) {
    return readImport(g, only.value);
  }
  g.keys(m, ['url', 'profile', 'repository', 'namespace', 'description', 'metadata', ...(g.legacy ? ['file', 'namespace_prefix', 'namespace_uri'] : [])], [], 'an import definition');
  const url = g.str(get(m, 'url') ?? get(m, 'file'), 'the url of an import');
  const profile = g.str(get(m, 'profile'), 'the profile of an import');
  const repository = g.ref(get(m, 'repository'), 'the repository of an import');
  const namespace = g.str(get(m, 'namespace') ?? get(m, 'namespace_prefix'), 'the namespace of an import');
  g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  if ((url === undefined) === (profile === undefined)) {
    g.report(m.pos, Codes.ImportInvalid, 'an import must have exactly one of "url" and "profile"');
    return undefined;
  }
  if (repository && profile !== undefined) {
    g.report(repository.pos, Codes.ImportInvalid, '"repository" can only be used with "url", not with "profile"');
  }
  if (repository && url !== undefined && URL_SCHEME.test(url)) {
    g.report(repository.pos, Codes.ImportInvalid, 'an import with a URL scheme must not also name a repository (6.8.2.2)');
  }
  if (namespace !== undefined && (namespace === '' || namespace.includes(':'))) {
    g.report(get(m, 'namespace')!.pos, Codes.ImportInvalid, `the namespace name "${namespace}" must be non-empty and must not contain ":"`);
  }
  return {
    pos: m.pos,
    ...(url !== undefined && { url }),
    ...(profile !== undefined && { profile }),
    ...(repository && { repository }),
    ...(namespace !== undefined && namespace !== '' && { namespace }),
  };
}

function readRepository(g: GrammarContext, name: string, n: PNode): RepositoryDef | undefined {
  const what = `the repository "${name}"`;
  if (isString(n)) return { name, pos: n.pos, url: n.value };
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['description', 'metadata', 'url', 'credential'], ['url'], what);
  const url = g.str(get(m, 'url'), `the url of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  if (url === undefined) return undefined;
  return { name, pos: m.pos, url, ...(description !== undefined && { description }) };
}

function readSchemas(g: GrammarContext, n: PNode | undefined, what: string): SchemaDef[] {
  if (n === undefined) return [];
  if (!isList(n)) {
    g.report(n.pos, Codes.Shape, `${what} must be a list of schema definitions, not ${describe(n)}`);
    return [];
  }
  const out: SchemaDef[] = [];
  for (const i of n.items) {
    const s = readSchema(g, i, `an entry of ${what}`);
    if (s) out.push(s);
  }
  return out;
}

function readFunction(g: GrammarContext, name: string, n: PNode): FunctionDef | undefined {
  const what = `the function "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['signatures', 'description', 'metadata'], ['signatures'], what);
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  const sigs = get(m, 'signatures');
  const signatures: FunctionSignatureDef[] = [];
  if (sigs !== undefined) {
    if (!isList(sigs) || sigs.items.length === 0) {
      g.report(sigs.pos, Codes.Shape, `the signatures of ${what} must be a non-empty list, not ${describe(sigs)}`);
    } else {
      for (const s of sigs.items) {
        const sm = g.map(s, `a signature of ${what}`);
        if (!sm) continue;
        g.keys(sm, ['arguments', 'optional_arguments', 'variadic', 'result', 'implementation'], [], `a signature of ${what}`);
        const variadic = g.bool(get(sm, 'variadic'), 'variadic') ?? false;
        const result = readSchema(g, get(sm, 'result'), 'the result');
        signatures.push({
          pos: sm.pos,
          arguments: readSchemas(g, get(sm, 'arguments'), 'arguments'),
          optionalArguments: readSchemas(g, get(sm, 'optional_arguments'), 'optional_arguments'),
          variadic,
          ...(result && { result }),
          ...(get(sm, 'implementation') !== undefined && { implementation: readImplementation(g, get(sm, 'implementation')) }),
        });
      }
    }
  }
  return { name, pos: m.pos, ...(description !== undefined && { description }), signatures };
}

/** Checks `tosca_definitions_version` (present, known, first) and returns it. */
function readVersion(g: GrammarContext, m: PMap, firstKey: string | undefined): string | undefined {
  const v = get(m, 'tosca_definitions_version');
  if (v === undefined) {
    g.report(m.pos, Codes.Version, 'the file must start with "tosca_definitions_version: tosca_2_0"');
    return undefined;
  }
  const s = isScalar(v) ? String(v.value) : undefined;
  if (s !== TOSCA_2_0 && !LEGACY_VERSIONS.includes(s ?? '')) {
    g.report(v.pos, Codes.Version, `unknown tosca_definitions_version ${describe(v)}; use tosca_2_0 (or tosca_simple_yaml_1_3)`);
    return undefined;
  }
  if (firstKey !== 'tosca_definitions_version') {
    g.report(m.entries[0]?.key.pos ?? m.pos, Codes.Version, 'tosca_definitions_version must be the first key of the file (6.1)');
  }
  return s;
}

/**
 * Reads a parsed file. Returns undefined only when the root is not a map or has no usable
 * version; otherwise returns whatever could be read, with problems in the sink.
 */
export function readToscaFile(root: PNode | undefined, firstKey: string | undefined, file: string, sink: ProblemSink): ToscaFileDef | undefined {
  const top: Position = { file, line: 1, column: 1 };
  if (root === undefined || isNull(root)) {
    sink.report(top, Codes.Version, 'the file is empty: a TOSCA file starts with "tosca_definitions_version: tosca_2_0"');
    return undefined;
  }
  if (!isMap(root)) {
    // The content is not quoted: the file may not be the caller's (a mistaken or hostile import).
    sink.report(root.pos, Codes.Shape, `a TOSCA file must be a YAML map, not ${root.kind === 'list' ? 'a list' : 'a single scalar value'}`);
    return undefined;
  }
  const probe = new GrammarContext(sink, file, false);
  const version = readVersion(probe, root, firstKey);
  if (version === undefined) return undefined;
  const legacy = version !== TOSCA_2_0;
  const g = new GrammarContext(sink, file, legacy);
  g.keys(root, legacy ? [...TOP_KEYS, ...LEGACY_TOP_KEYS] : TOP_KEYS, [], 'a TOSCA file');
  const description = g.str(get(root, 'description'), 'the description of the file');
  g.metadata(get(root, 'metadata'));
  const dsl = get(root, 'dsl_definitions');
  if (dsl !== undefined) {
    const dm = g.map(dsl, 'dsl_definitions');
    // 6.3: each entry is an anchored block meant to be aliased elsewhere.
    if (dm) for (const e of dm.entries) if (e.value.anchor === undefined) {
      g.report(e.value.pos, Codes.Shape, `dsl_definitions entries must declare a YAML anchor (&name) so they can be reused`);
    }
  }
  const profileNode = get(root, 'profile');
  const profileName = g.str(profileNode, 'the profile name');
  const imports: ImportDef[] = [];
  const impNode = get(root, 'imports');
  if (impNode !== undefined) {
    if (!isList(impNode)) g.report(impNode.pos, Codes.Shape, `imports must be a list of import definitions, not ${describe(impNode)}`);
    else for (const i of impNode.items) {
      const d = readImport(g, i);
      if (d) imports.push(d);
    }
  }
  const types = {} as Record<TypeKind, Map<string, TypeDef>>;
  for (const kind of TYPE_KINDS) {
    types[kind] = g.named(get(root, KIND_SECTION[kind]), KIND_SECTION[kind], (name, v) => readTypeDef(g, kind, name, v));
  }
  const st = get(root, 'service_template') ?? (legacy ? get(root, 'topology_template') : undefined);
  const serviceTemplate = st === undefined ? undefined : readServiceTemplate(g, st);
  if (profileNode !== undefined && st !== undefined) {
    g.report(st.pos, Codes.ProfileTemplate, 'a file that defines a profile must not define a service_template (6.1): move the template to its own file');
  }
  return {
    file,
    pos: root.pos,
    version,
    legacy,
    ...(profileName !== undefined && profileNode && { profile: { name: profileName, pos: profileNode.pos } }),
    ...(description !== undefined && { description }),
    imports,
    types,
    repositories: g.named(get(root, 'repositories'), 'repositories', (n, v) => readRepository(g, n, v)),
    functions: g.named(get(root, 'functions'), 'functions', (n, v) => readFunction(g, n, v)),
    ...(serviceTemplate && { serviceTemplate }),
  };
}
