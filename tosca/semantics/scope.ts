/**
 * Namespaces (6.8.4). Each file has a scope: its root namespace (its own definitions plus those of
 * files imported without a namespace) and named namespaces (files imported with `namespace: ns`).
 * `ns:Name` looks up Name in namespace ns; nesting works the same way (`a:b:Name`).
 */
import { Codes, type ProblemSink } from '../problems/index.js';
import { TYPE_KINDS, type FunctionDef, type Ref, type TypeDef, type TypeKind } from '../model/index.js';
import type { LoadedFile } from '../loader/index.js';
import { KIND_SECTION } from '../grammar/index.js';
import { BUILTIN_TYPES, LEGACY_TYPES } from './builtins.js';

const LEGACY_PLURAL: Record<TypeKind, string> = {
  artifact: 'artifacts',
  data: 'datatypes',
  capability: 'capabilities',
  interface: 'interfaces',
  relationship: 'relationships',
  node: 'nodes',
  group: 'groups',
  policy: 'policies',
};

/** Types are keyed by kind and name: each kind is its own set of names. */
export function typeKey(kind: TypeKind, name: string): string {
  return `${kind}|${name}`;
}

export class Scope {
  readonly types = new Map<string, TypeDef>();
  readonly functions = new Map<string, FunctionDef>();
  readonly namespaces = new Map<string, Scope>();

  constructor(readonly legacy: boolean) {}

  /**
   * Finds a type by (possibly namespace-qualified) name. Each kind has its own names (6.8.4 lists
   * them apart), so a node type and a capability type may share one; without `kind` the first
   * kind in TYPE_KINDS order wins, with data types first.
   */
  find(name: string, kind?: TypeKind, depth = 0): TypeDef | undefined {
    if (kind !== undefined) {
      const local = this.types.get(typeKey(kind, name));
      if (local) return local;
    } else {
      for (const k of TYPE_KINDS) {
        const local = this.types.get(typeKey(k, name));
        if (local) return local;
      }
    }
    if (depth === 0 && (kind === undefined || kind === 'data')) {
      const b = BUILTIN_TYPES.get(name) ?? (this.legacy ? LEGACY_TYPES.get(name) : undefined);
      if (b) return b;
    }
    if (this.legacy && name.startsWith('tosca:') && depth === 0) {
      // 1.3 short form: tosca:Compute is tosca.nodes.Compute (the kind picks the plural).
      const short = name.slice(6);
      for (const k of kind ? [kind] : TYPE_KINDS) {
        const t = this.types.get(typeKey(k, `tosca.${LEGACY_PLURAL[k]}.${short}`));
        if (t) return t;
      }
    }
    const i = name.indexOf(':');
    if (i > 0 && depth < 32) return this.namespaces.get(name.slice(0, i))?.find(name.slice(i + 1), kind, depth + 1);
    return undefined;
  }

  findFunction(name: string, depth = 0): FunctionDef | undefined {
    const local = this.functions.get(name);
    if (local) return local;
    const i = name.indexOf(':');
    if (i > 0 && depth < 32) return this.namespaces.get(name.slice(0, i))?.findFunction(name.slice(i + 1), depth + 1);
    return undefined;
  }

  /** Looks up a type of one kind, reporting unknown names and kind mismatches. */
  resolve(ref: Ref | undefined, kind: TypeKind, sink: ProblemSink, what: string): TypeDef | undefined {
    if (!ref) return undefined;
    const t = this.find(ref.name, kind) ?? this.find(ref.name);
    if (!t) {
      sink.report(ref.pos, Codes.TypeUnknown, `${what} "${ref.name}" is not defined: declare it under ${KIND_SECTION[kind]} or import the file or profile that defines it`);
      return undefined;
    }
    if (t.kind !== kind) {
      sink.report(ref.pos, Codes.TypeKind, `${what} "${ref.name}" is a ${t.kind} type, but a ${kind} type is needed here`);
      return undefined;
    }
    return t;
  }
}

/** Adds one definition to a namespace; a different definition under the same name is an error. */
function put<T extends { pos: { file: string; line: number; column: number } }>(
  map: Map<string, T>,
  name: string,
  def: T,
  sink: ProblemSink,
  what: string,
): void {
  const prev = map.get(name);
  if (prev === undefined || prev === def) {
    map.set(name, def);
    return;
  }
  sink.report(def.pos, Codes.Duplicate, `${what} is already defined in this namespace (at ${prev.pos.file}:${prev.pos.line}): rename one or import it into a namespace`);
}

function merge(into: Scope, from: Scope, sink: ProblemSink, depth: number, own?: ReadonlySet<string>): void {
  for (const [n, t] of from.types) if (!own?.has(n)) put(into.types, n, t, sink, `the ${t.kind} type "${t.name}"`);
  for (const [n, f] of from.functions) if (!own?.has(`function|${n}`)) put(into.functions, n, f, sink, `the function "${n}"`);
  for (const [n, s] of from.namespaces) {
    let target = into.namespaces.get(n);
    if (target === s) continue;
    if (!target) {
      // Copy, never alias: merging more into a shared scope would leak names into other files.
      target = new Scope(s.legacy);
      into.namespaces.set(n, target);
    }
    if (depth < 16) merge(target, s, sink, depth + 1);
  }
}

/**
 * Builds the scope of every loaded file. Files in an import cycle see what was built so far
 * (the cycle is broken at the file being built).
 */
export function buildScopes(files: ReadonlyMap<string, LoadedFile>, sink: ProblemSink): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  const building = new Set<string>();
  const build = (key: string): Scope | undefined => {
    const done = scopes.get(key);
    if (done) return done;
    const f = files.get(key);
    if (!f?.def || building.has(key)) return undefined;
    building.add(key);
    const scope = new Scope(f.def.legacy);
    // Own definitions first, so a clash with an import is reported on the import side consistently.
    for (const kind of TYPE_KINDS) for (const [n, t] of f.def.types[kind]) put(scope.types, typeKey(kind, n), t, sink, `the ${kind} type "${n}"`);
    for (const [n, fn] of f.def.functions) put(scope.functions, n, fn, sink, `the function "${n}"`);
    // A file's own definitions shadow same-named imports into its root namespace (6.8.4 makes
    // only duplicates within one file an error); clashes between two imports stay errors.
    const own = new Set<string>([...scope.types.keys(), ...[...scope.functions.keys()].map((k) => `function|${k}`)]);
    for (const e of f.edges) {
      if (e.target === undefined) continue;
      const child = build(e.target);
      if (!child) continue;
      if (e.def.namespace !== undefined) {
        let ns = scope.namespaces.get(e.def.namespace);
        if (!ns) {
          ns = new Scope(child.legacy);
          scope.namespaces.set(e.def.namespace, ns);
        }
        merge(ns, child, sink, 0);
      } else merge(scope, child, sink, 0, own);
    }
    building.delete(key);
    scopes.set(key, scope);
    return scope;
  };
  for (const key of files.keys()) build(key);
  return scopes;
}
