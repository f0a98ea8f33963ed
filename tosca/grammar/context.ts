/**
 * Shared helpers for the grammar readers: shape checks that report a positioned problem and return
 * undefined instead of throwing, so reading goes on and every problem is collected.
 */
import { Codes, type Position, type ProblemSink } from '../problems/index.js';
import { describe, isList, isMap, isScalar, keyText, type PMap, type PNode } from '../reader/index.js';
import type { Ref } from '../model/index.js';

export class GrammarContext {
  constructor(
    readonly sink: ProblemSink,
    readonly file: string,
    /** True for tosca_simple_yaml_1_x files (1.3 compatibility: a few keys differ). */
    readonly legacy: boolean,
  ) {}

  report(pos: Position, code: string, message: string): void {
    this.sink.report(pos, code, message);
  }

  /** A map, or a problem saying what was expected. `null` is not a map (empty sections are errors). */
  map(n: PNode | undefined, what: string): PMap | undefined {
    if (n === undefined) return undefined;
    if (isMap(n)) return n;
    this.report(n.pos, Codes.Shape, `${what} must be a map, not ${describe(n)}`);
    return undefined;
  }

  /** Checks that the map has only the allowed keys and all the mandatory ones. */
  keys(m: PMap, allowed: readonly string[], required: readonly string[], what: string): void {
    const seen = new Set<string>();
    for (const e of m.entries) {
      const k = isScalar(e.key) ? String(e.key.value) : undefined;
      if (k === undefined || !allowed.includes(k)) {
        this.report(
          e.key.pos,
          Codes.KeyUnknown,
          `"${keyText(e.key)}" is not a keyname of ${what}; allowed: ${allowed.join(', ')}`,
        );
        continue;
      }
      seen.add(k);
    }
    for (const r of required) {
      if (!seen.has(r)) this.report(m.pos, Codes.KeyMissing, `${what} needs the "${r}" keyname`);
    }
  }

  str(n: PNode | undefined, what: string): string | undefined {
    if (n === undefined) return undefined;
    if (isScalar(n) && typeof n.value === 'string') return n.value;
    this.report(n.pos, Codes.Shape, `${what} must be a string, not ${describe(n)}`);
    return undefined;
  }

  /** A string where YAML may have typed a number or boolean (versions like `1.0`, descriptions). */
  text(n: PNode | undefined, what: string): string | undefined {
    if (n === undefined) return undefined;
    if (isScalar(n) && n.value !== null) return String(n.value);
    this.report(n.pos, Codes.Shape, `${what} must be a string, not ${describe(n)}`);
    return undefined;
  }

  bool(n: PNode | undefined, what: string): boolean | undefined {
    if (n === undefined) return undefined;
    if (isScalar(n) && typeof n.value === 'boolean') return n.value;
    this.report(n.pos, Codes.Shape, `${what} must be true or false, not ${describe(n)}`);
    return undefined;
  }

  int(n: PNode | undefined, what: string): number | undefined {
    if (n === undefined) return undefined;
    if (isScalar(n) && typeof n.value === 'number' && !n.float && Number.isInteger(n.value)) return n.value;
    this.report(n.pos, Codes.Shape, `${what} must be an integer, not ${describe(n)}`);
    return undefined;
  }

  number(n: PNode | undefined, what: string): number | undefined {
    if (n === undefined) return undefined;
    if (isScalar(n) && typeof n.value === 'number') return n.value;
    this.report(n.pos, Codes.Shape, `${what} must be a number, not ${describe(n)}`);
    return undefined;
  }

  ref(n: PNode | undefined, what: string): Ref | undefined {
    const s = this.str(n, what);
    if (s === undefined || n === undefined) return undefined;
    if (s === '') {
      this.report(n.pos, Codes.Shape, `${what} must not be empty`);
      return undefined;
    }
    return { name: s, pos: n.pos };
  }

  /** A list of names; a single name is accepted where the standard allows it (`members: [a]`). */
  refList(n: PNode | undefined, what: string): Ref[] | undefined {
    if (n === undefined) return undefined;
    if (!isList(n)) {
      this.report(n.pos, Codes.Shape, `${what} must be a list of names, not ${describe(n)}`);
      return undefined;
    }
    const out: Ref[] = [];
    for (const i of n.items) {
      const r = this.ref(i, `an entry of ${what}`);
      if (r) out.push(r);
    }
    return out;
  }

  strList(n: PNode | undefined, what: string): string[] | undefined {
    return this.refList(n, what)?.map((r) => r.name);
  }

  /** Metadata: a map whose values may be any plain YAML value (5.3.1); kept as strings. */
  metadata(n: PNode | undefined): Record<string, string> | undefined {
    const m = this.map(n, 'metadata');
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const e of m.entries) {
      if (!isScalar(e.key) || typeof e.key.value !== 'string') {
        this.report(e.key.pos, Codes.Shape, `metadata names must be strings, not ${describe(e.key)}`);
        continue;
      }
      out[e.key.value] = isScalar(e.value) ? String(e.value.value ?? '') : JSON.stringify(keyText(e.value));
    }
    return out;
  }

  /**
   * A map of named definitions: each key must be a non-empty string; the reader builds the value.
   * Duplicate names are caught by the YAML reader already.
   */
  named<T>(n: PNode | undefined, what: string, read: (name: string, node: PNode, keyPos: Position) => T | undefined): Map<string, T> {
    const out = new Map<string, T>();
    const m = this.map(n, what);
    if (!m) return out;
    for (const e of m.entries) {
      if (!isScalar(e.key) || typeof e.key.value !== 'string' || e.key.value === '') {
        this.report(e.key.pos, Codes.Shape, `names in ${what} must be non-empty strings, not ${describe(e.key)}`);
        continue;
      }
      const v = read(e.key.value, e.value, e.key.pos);
      if (v !== undefined) out.set(e.key.value, v);
    }
    return out;
  }

  /**
   * A list of single-entry maps (`requirements: [- name: {...}]`), the TOSCA "sequenced list".
   */
  sequenced<T>(n: PNode | undefined, what: string, read: (name: string, node: PNode, keyPos: Position) => T | undefined): T[] {
    const out: T[] = [];
    if (n === undefined) return out;
    if (!isList(n)) {
      this.report(n.pos, Codes.Shape, `${what} must be a list of single-entry maps, not ${describe(n)}`);
      return out;
    }
    for (const item of n.items) {
      if (!isMap(item) || item.entries.length !== 1) {
        this.report(item.pos, Codes.Shape, `each entry of ${what} must be a map with exactly one name, not ${describe(item)}`);
        continue;
      }
      const e = item.entries[0]!;
      if (!isScalar(e.key) || typeof e.key.value !== 'string' || e.key.value === '') {
        this.report(e.key.pos, Codes.Shape, `names in ${what} must be non-empty strings`);
        continue;
      }
      const v = read(e.key.value, e.value, e.key.pos);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
}

/** Reads a field of a map by name (undefined when absent). */
export { get as field } from '../reader/index.js';
