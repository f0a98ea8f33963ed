/**
 * The positioned YAML tree the whole front end works on. Unlike plain JS values it keeps where each
 * value came from, whether a number was written as an integer or a float (`1` vs `1.0`), and map
 * keys that are themselves maps or lists (complex keys).
 */
import type { Position } from '../problems/index.js';

export type ScalarValue = string | number | boolean | null;

export interface PScalar {
  readonly kind: 'scalar';
  readonly value: ScalarValue;
  /** True when a number was written as a float in the source (`1.0`, `1e3`, `.inf`). */
  readonly float: boolean;
  /** True when the scalar was quoted (so `"1"` is a string even though it looks like a number). */
  readonly quoted: boolean;
  readonly pos: Position;
  /** The YAML anchor name (`&name`) declared on this node, if any. */
  readonly anchor?: string;
}

export interface PEntry {
  readonly key: PNode;
  readonly value: PNode;
}

export interface PMap {
  readonly kind: 'map';
  readonly entries: readonly PEntry[];
  readonly pos: Position;
  readonly anchor?: string;
}

export interface PList {
  readonly kind: 'list';
  readonly items: readonly PNode[];
  readonly pos: Position;
  readonly anchor?: string;
}

export type PNode = PScalar | PMap | PList;

export function isMap(n: PNode | undefined): n is PMap {
  return n?.kind === 'map';
}
export function isList(n: PNode | undefined): n is PList {
  return n?.kind === 'list';
}
export function isScalar(n: PNode | undefined): n is PScalar {
  return n?.kind === 'scalar';
}
export function isNull(n: PNode | undefined): boolean {
  return n?.kind === 'scalar' && n.value === null;
}
export function isString(n: PNode | undefined): n is PScalar & { value: string } {
  return n?.kind === 'scalar' && typeof n.value === 'string';
}
export function isInteger(n: PNode | undefined): n is PScalar & { value: number } {
  return n?.kind === 'scalar' && typeof n.value === 'number' && !n.float && Number.isInteger(n.value);
}
export function isNumber(n: PNode | undefined): n is PScalar & { value: number } {
  return n?.kind === 'scalar' && typeof n.value === 'number';
}
export function isBoolean(n: PNode | undefined): n is PScalar & { value: boolean } {
  return n?.kind === 'scalar' && typeof n.value === 'boolean';
}

/** The string form of a map key (complex keys render as their YAML-ish JSON). */
export function keyText(k: PNode): string {
  return k.kind === 'scalar' ? String(k.value) : JSON.stringify(toPlain(k));
}

/** Looks up a string key in a map. */
export function get(map: PMap, key: string): PNode | undefined {
  for (const e of map.entries) if (e.key.kind === 'scalar' && String(e.key.value) === key) return e.value;
  return undefined;
}

export function getEntry(map: PMap, key: string): PEntry | undefined {
  for (const e of map.entries) if (e.key.kind === 'scalar' && String(e.key.value) === key) return e;
  return undefined;
}

/** Converts to plain JS values (maps become objects keyed by keyText). Bounded by the tree size. */
export function toPlain(n: PNode): unknown {
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'list') return n.items.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const e of n.entries) out[keyText(e.key)] = toPlain(e.value);
  return out;
}

/** A short description of a node's shape for messages ("a list", "the string \"x\""). */
export function describe(n: PNode): string {
  if (n.kind === 'map') return 'a map';
  if (n.kind === 'list') return 'a list';
  if (n.value === null) return 'null';
  if (typeof n.value === 'string') {
    const s = n.value.length > 40 ? `${n.value.slice(0, 40)}…` : n.value;
    return `the string ${JSON.stringify(s)}`;
  }
  if (typeof n.value === 'number') return `the ${n.float ? 'float' : 'integer'} ${n.value}`;
  return `the boolean ${n.value}`;
}
