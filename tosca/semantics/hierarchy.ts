/**
 * Type derivation (6.4.2): parents resolved in the scope of the file that declares each type,
 * cycles and kind mismatches reported once, and inherited definitions merged root-first.
 */
import { Codes, type ProblemSink } from '../problems/index.js';
import type { PropertyDef, TypeDef } from '../model/index.js';
import { BUILTIN_FILE, BUILTIN_NAMES, BUILTIN_TYPES } from './builtins.js';
import type { Scope } from './scope.js';

export class Hierarchy {
  readonly #parent = new Map<TypeDef, TypeDef | null>();
  readonly #scopeOf: Map<TypeDef, Scope>;

  constructor(
    scopeOf: Map<TypeDef, Scope>,
    private readonly sink: ProblemSink,
  ) {
    this.#scopeOf = scopeOf;
  }

  scopeOf(t: TypeDef): Scope | undefined {
    return this.#scopeOf.get(t);
  }

  /** The parent type, or undefined for roots, unknown parents and cycles (all reported once). */
  parent(t: TypeDef): TypeDef | undefined {
    const cached = this.#parent.get(t);
    if (cached !== undefined) return cached ?? undefined;
    this.#parent.set(t, null);
    if (!t.derivedFrom) return undefined;
    const scope = this.#scopeOf.get(t);
    if (t.file === BUILTIN_FILE) {
      const p = scope?.find(t.derivedFrom.name, 'data') ?? BUILTIN_TYPES.get(t.derivedFrom.name);
      this.#parent.set(t, p ?? null);
      return p;
    }
    if (!scope) return undefined;
    const p = scope.resolve(t.derivedFrom, t.kind, this.sink, `the parent type of "${t.name}"`);
    if (!p) return undefined;
    // Walk up from p; meeting t again means a cycle.
    let cur: TypeDef | undefined = p;
    for (let i = 0; cur && i < 1000; i++) {
      if (cur === t) {
        this.sink.report(t.derivedFrom.pos, Codes.TypeCycle, `the type "${t.name}" derives from itself: break the derived_from chain`);
        return undefined;
      }
      if (!cur.derivedFrom) break;
      const next: TypeDef | null | undefined = this.#parent.get(cur);
      if (next === null) break;
      if (next === undefined) {
        const s = this.#scopeOf.get(cur);
        cur = s?.find(cur.derivedFrom.name, t.kind);
        if (cur && cur.kind !== t.kind) break;
      } else cur = next;
    }
    this.#parent.set(t, p);
    return p;
  }

  /** The type and its ancestors, the type first. */
  chain(t: TypeDef): TypeDef[] {
    const out: TypeDef[] = [];
    for (let cur: TypeDef | undefined = t; cur && out.length < 1000 && !out.includes(cur); cur = this.parent(cur)) out.push(cur);
    return out;
  }

  derivesFrom(t: TypeDef, base: TypeDef): boolean {
    return this.chain(t).includes(base);
  }

  /** For data types: the built-in type at the root of the chain (undefined for complex types). */
  builtinRoot(t: TypeDef): TypeDef | undefined {
    const c = this.chain(t);
    const root = c[c.length - 1];
    return root && root.file === BUILTIN_FILE && BUILTIN_NAMES.includes(root.name) ? root : undefined;
  }

  /** The first definition of a scalar-related key found up the chain. */
  inherited<K extends keyof TypeDef>(t: TypeDef, key: K): TypeDef[K] | undefined {
    for (const c of this.chain(t)) if (c[key] !== undefined) return c[key];
    return undefined;
  }

  /** Effective property or attribute definitions: parent's first, refined by each descendant. */
  effective(t: TypeDef, key: 'properties' | 'attributes' | 'inputs'): Map<string, PropertyDef> {
    const out = new Map<string, PropertyDef>();
    for (const c of this.chain(t).reverse()) {
      for (const [n, d] of c[key]) {
        const prev = out.get(n);
        out.set(n, prev ? mergeProperty(prev, d) : d);
      }
    }
    return out;
  }

  /** Every validation clause along the chain (they add up, 6.4.2). */
  validations(t: TypeDef): Array<NonNullable<TypeDef['validation']>> {
    return this.chain(t).flatMap((c) => (c.validation ? [c.validation] : []));
  }
}

/** A refinement keeps what it does not restate. */
export function mergeProperty(parent: PropertyDef, child: PropertyDef): PropertyDef {
  return {
    ...parent,
    ...child,
    type: child.type ?? parent.type,
    ...(child.required === undefined && parent.required !== undefined && { required: parent.required }),
    ...(child.default === undefined && parent.default !== undefined && { default: parent.default }),
    ...(child.value === undefined && parent.value !== undefined && { value: parent.value }),
    ...(child.entrySchema === undefined && parent.entrySchema !== undefined && { entrySchema: parent.entrySchema }),
    ...(child.keySchema === undefined && parent.keySchema !== undefined && { keySchema: parent.keySchema }),
  } as PropertyDef;
}
