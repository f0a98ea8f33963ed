/** What the pure compiler needs from the validated model: type lookup and value conversion. */
import type { Expression } from '../../store/index.js';
import type { PNode } from '../reader/index.js';
import type { InterfaceDef, PropertyDef, Ref, RelationshipTemplateDef, TypeDef, TypeKind } from '../model/index.js';
import type { Hierarchy, Scope } from '../semantics/index.js';
import { BUILTIN_FUNCTIONS } from '../semantics/index.js';
import { toExpression, hasCall, type TypeResolver } from './to-expression.js';
import type { CompiledHandler, CompiledProperty } from './compiled.js';

export class CompileContext implements TypeResolver {
  /** Type name -> its classes (itself and ancestors), collected while compiling. */
  readonly classes = new Map<string, readonly string[]>();
  /** Node template names of the service (a requirement's `node` may name one or a type). */
  readonly templateNames = new Set<string>();
  /** Relationship templates of the service (a requirement's `relationship: NAME` may name one). */
  readonly relationshipTemplates = new Map<string, RelationshipTemplateDef>();

  constructor(
    readonly hierarchy: Hierarchy,
    readonly scope: Scope,
    /** The entry file is TOSCA 1.x: 1.x function syntax and case-insensitive units. */
    readonly legacy = false,
  ) {}

  /** Resolves a type name as seen from the files that declare `owners` (child first), then the entry. */
  type(name: string, kind: TypeKind | undefined, owners?: readonly TypeDef[]): TypeDef | undefined {
    for (const o of owners ?? []) {
      const t = this.hierarchy.scopeOf(o)?.find(name, kind);
      if (t) return t;
    }
    return this.scope.find(name, kind);
  }

  /**
   * `$name` -> the Floria function to call: a built-in is `tosca:<name>`; a custom function whose
   * signature names a PluginFunction implementation calls that plugin function; an undeclared
   * `$plugin:fn` is dispatched to the plugin as written.
   */
  floriaFunction(name: string): string {
    if (BUILTIN_FUNCTIONS.has(name)) return `tosca:${name}`;
    for (const sig of this.scope.findFunction(name)?.signatures ?? []) {
      const primary = sig.implementation?.primary;
      const file = primary && 'file' in primary && typeof primary.file === 'string' ? primary.file : undefined;
      if (file && PLUGIN_FN.test(file)) return file;
    }
    return name.includes(':') && PLUGIN_FN.test(name) ? name : `tosca:${name}`;
  }

  dataType(name: string, owners?: readonly TypeDef[]): TypeDef | undefined {
    return this.type(name, 'data', owners);
  }

  ref(ref: Ref | undefined, kind: TypeKind, owners?: readonly TypeDef[]): TypeDef | undefined {
    return ref ? this.type(ref.name, kind, owners) : undefined;
  }

  /** The type name used as a Floria class, with its ancestors recorded. */
  classesOf(t: TypeDef): readonly string[] {
    const names = this.hierarchy.chain(t).map((c) => c.name);
    this.classes.set(t.name, names);
    return names;
  }

  expr(n: PNode, type?: TypeDef, def?: PropertyDef): Expression {
    const schemas = def ? { ...(def.entrySchema && { entrySchema: def.entrySchema }), ...(def.keySchema && { keySchema: def.keySchema }) } : undefined;
    return toExpression(n, type, this, 0, schemas);
  }

  /**
   * One property or attribute: the assigned value wins, then a fixed `value`, then `default`.
   * Values holding calls become updaters (computed at instantiation); literals become values.
   */
  property(name: string, def: PropertyDef | undefined, assigned: PNode | undefined, readOnly: boolean, owners: readonly TypeDef[]): CompiledProperty | undefined {
    const source = assigned ?? def?.value ?? def?.default;
    const type = def?.type ? this.dataType(def.type.name, owners) : undefined;
    const base = {
      name,
      readOnly,
      ...(def?.type && { type: def.type.name }),
      ...(def?.description && { description: def.description }),
    };
    if (!source) return readOnly && def?.required === false ? undefined : base;
    const e = this.expr(source, type, def);
    return hasCall(source, this.legacy) ? { ...base, updater: e } : { ...base, value: e };
  }

  /** Properties (read-only) and attributes (writable) of an entity, in definition order. */
  properties(
    defs: ReadonlyMap<string, PropertyDef>,
    values: ReadonlyMap<string, PNode>,
    attrDefs: ReadonlyMap<string, PropertyDef>,
    attrValues: ReadonlyMap<string, PNode>,
    owners: readonly TypeDef[],
    prefix = '',
  ): CompiledProperty[] {
    const out: CompiledProperty[] = [];
    const seen = new Set<string>();
    for (const [n, d] of defs) {
      const p = this.property(prefix + n, d, values.get(n), true, owners);
      if (p) out.push(p);
      seen.add(n);
    }
    for (const [n, v] of values) {
      if (seen.has(n)) continue;
      out.push(this.property(prefix + n, undefined, v, true, owners)!);
      seen.add(n);
    }
    for (const [n, d] of attrDefs) {
      if (seen.has(n)) continue;
      const p = this.property(prefix + n, d, attrValues.get(n), false, owners);
      if (p) out.push(p);
      seen.add(n);
    }
    for (const [n, v] of attrValues) if (!seen.has(n)) out.push(this.property(prefix + n, undefined, v, false, owners)!);
    return out;
  }

  /**
   * Interfaces -> event handlers: `<interface>.<operation>` runs the plugin function the
   * implementation names (`<plugin-id>:<function>`, a PluginFunction artifact). Later definitions
   * (a derived type, then the template) refine earlier ones operation by operation.
   */
  handlers(layers: ReadonlyArray<ReadonlyMap<string, InterfaceDef>>, artifacts: ReadonlyMap<string, string>): Record<string, CompiledHandler[]> {
    const ops = new Map<string, { fn?: string; inputs: Map<string, PNode> }>();
    for (const layer of layers) {
      for (const [iname, iface] of layer) {
        for (const [oname, op] of iface.operations) {
          const key = `${iname}.${oname}`;
          const cur = ops.get(key) ?? { inputs: new Map<string, PNode>() };
          for (const [k, v] of iface.inputValues) cur.inputs.set(k, v);
          for (const [k, d] of op.inputs) if (d.value ?? d.default) cur.inputs.set(k, (d.value ?? d.default)!);
          for (const [k, v] of op.inputValues) cur.inputs.set(k, v);
          const primary = op.implementation?.primary;
          if (primary) {
            const file = 'file' in primary && typeof primary.file === 'string' ? primary.file : artifacts.get(primary.name) ?? primary.name;
            if (PLUGIN_FN.test(file)) cur.fn = file;
          }
          ops.set(key, cur);
        }
      }
    }
    const out: Record<string, CompiledHandler[]> = {};
    for (const [event, op] of ops) {
      if (!op.fn) continue;
      const inputs: [Expression, Expression][] = [...op.inputs].map(([k, v]) => [k, this.expr(v)]);
      out[event] = [{ fn: op.fn, args: [{ $: 'map', entries: inputs }] }];
    }
    return out;
  }
}

/** `<plugin-id>:<function>`: a name with a colon and no slash (so URLs and paths are not taken). */
export const PLUGIN_FN = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/;
