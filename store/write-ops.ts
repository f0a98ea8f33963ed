/**
 * Document mutations, one function per write. Each runs inside an Automerge change, validates
 * against the document first and only then mutates, so a refused write changes nothing. Each
 * returns the entity fields it touched (for the change message that history reads).
 */
import { storeError } from './errors.js';
import type { EntityKind } from './ids.js';
import type { DeploymentDoc, EntityRecord } from './doc-schema.js';
import { S, bucketFor, recordOf, str } from './doc-schema.js';
import { decodeProperty, encodeProperty } from './entity-codec.js';
import type { Property } from './entities.js';

export type Touched = [key: string, field: string][];

export function keyOf(kind: EntityKind, path: string): string {
  return `${kind}:${path}`;
}

function need(doc: DeploymentDoc, kind: EntityKind, path: string): EntityRecord {
  const rec = recordOf(doc, kind, path);
  if (!rec) throw storeError('KH-STORE-005', `${kind} ${path} not found`, { hint: 'check the id, or list the entities', details: { kind, id: path } });
  return rec;
}

/** Inserts a fully built record; links it to its neighbours (both sides of every edge). */
export function createRecord(doc: DeploymentDoc, kind: EntityKind, path: string, rec: EntityRecord): Touched {
  if (recordOf(doc, kind, path)) {
    throw storeError('KH-STORE-006', `${kind} ${path} already exists`, { hint: 'pick another name or omit the id to generate one', details: { kind, id: path } });
  }
  const touched: Touched = [[keyOf(kind, path), 'created']];
  if (kind === 'vertex' || kind === 'vertex-template') {
    if (rec.containing !== undefined) {
      const parent = recordOf(doc, kind, str(rec.containing)!);
      if (!parent) throw storeError('KH-STORE-021', `containing ${kind} ${str(rec.containing)} not found`, { details: { id: path } });
      bucketFor(doc, kind, path)[path] = rec;
      if (parent.contained) parent.contained[path] = true;
      else parent.contained = { [path]: true };
      touched.push([keyOf(kind, str(rec.containing)!), 'contained']);
      return touched;
    }
  } else if (kind === 'edge') {
    const src = recordOf(doc, 'vertex', str(rec.source) ?? '');
    const tgt = recordOf(doc, 'vertex', str(rec.target) ?? '');
    if (!src || !tgt) {
      throw storeError('KH-STORE-021', `edge ${path}: ${!src ? 'source' : 'target'} vertex ${str(!src ? rec.source : rec.target)} not found`, { hint: 'create both vertexes first' });
    }
    bucketFor(doc, kind, path)[path] = rec;
    addKey(src, 'out', path);
    addKey(tgt, 'in', path);
    touched.push([keyOf('vertex', str(rec.source)!), 'outgoing'], [keyOf('vertex', str(rec.target)!), 'incoming']);
    return touched;
  } else if (kind === 'edge-template') {
    const src = recordOf(doc, 'vertex-template', str(rec.source) ?? '');
    if (!src) throw storeError('KH-STORE-021', `edge template ${path}: source vertex template ${str(rec.source)} not found`);
    bucketFor(doc, kind, path)[path] = rec;
    addKey(src, 'out', path);
    touched.push([keyOf('vertex-template', str(rec.source)!), 'outgoing']);
    return touched;
  }
  bucketFor(doc, kind, path)[path] = rec;
  return touched;
}

function addKey(rec: EntityRecord, field: 'out' | 'in' | 'contained', key: string): void {
  const set = rec[field];
  if (set) set[key] = true;
  else rec[field] = { [key]: true };
}

function dropKey(rec: EntityRecord | undefined, field: 'out' | 'in' | 'contained', key: string): void {
  const set = rec?.[field];
  if (set && key in set) delete set[key];
}

/** Deletes an entity; a vertex takes its edges and contained vertexes along (bounded by the doc). */
export function deleteRecord(doc: DeploymentDoc, kind: EntityKind, path: string): Touched {
  const rec = need(doc, kind, path);
  const touched: Touched = [];
  const removeEdge = (e: string): void => {
    const er = recordOf(doc, 'edge', e);
    if (!er) return;
    dropKey(recordOf(doc, 'vertex', str(er.source) ?? ''), 'out', e);
    dropKey(recordOf(doc, 'vertex', str(er.target) ?? ''), 'in', e);
    delete bucketFor(doc, 'edge', e)[e];
    touched.push([keyOf('edge', e), 'deleted'], [keyOf('vertex', str(er.source) ?? ''), 'outgoing'], [keyOf('vertex', str(er.target) ?? ''), 'incoming']);
  };
  if (kind === 'edge') {
    removeEdge(path);
    touched.push([keyOf('vertex', str(rec.source) ?? ''), 'outgoing'], [keyOf('vertex', str(rec.target) ?? ''), 'incoming']);
    return touched;
  }
  if (kind === 'vertex') {
    const stack = [path];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      const vr = recordOf(doc, 'vertex', v);
      if (!vr) continue;
      for (const e of Object.keys(vr.out ?? {})) removeEdge(e);
      for (const e of Object.keys(vr.in ?? {})) removeEdge(e);
      for (const c of Object.keys(vr.contained ?? {})) stack.push(c);
      const vc = str(vr.containing);
      if (vc !== undefined && !seen.has(vc)) dropKey(recordOf(doc, 'vertex', vc), 'contained', v);
      delete bucketFor(doc, 'vertex', v)[v];
      touched.push([keyOf('vertex', v), 'deleted']);
    }
    return touched;
  }
  if (kind === 'vertex-template' && rec.containing !== undefined) dropKey(recordOf(doc, kind, str(rec.containing)!), 'contained', path);
  if (kind === 'edge-template') dropKey(recordOf(doc, 'vertex-template', str(rec.source) ?? ''), 'out', path);
  delete bucketFor(doc, kind, path)[path];
  touched.push([keyOf(kind, path), 'deleted']);
  return touched;
}

function readProperty(rec: EntityRecord, name: string): Property | undefined {
  const text = str(rec.props?.[name]);
  return text === undefined ? undefined : decodeProperty(text);
}

function refuseReadOnly(kind: EntityKind, path: string, name: string, p: Property | undefined): void {
  if (p?.readOnly && p.value !== undefined) {
    throw storeError('KH-STORE-012', `property ${name} of ${kind} ${path} is read-only and already has a value`, {
      hint: 'read-only properties are set once (TOSCA properties); model changing data as an attribute (readOnly: false)',
      details: { kind, id: path, property: name },
    });
  }
}

/** Writes a property. `mode`: 'value' keeps the definition; 'put' replaces all; 'force' ignores readOnly. */
export function writeProperty(
  doc: DeploymentDoc,
  kind: EntityKind,
  path: string,
  name: string,
  next: Property | ((old: Property | undefined) => Property | undefined),
  mode: 'checked' | 'force',
): Touched {
  const rec = need(doc, kind, path);
  const old = readProperty(rec, name);
  if (mode === 'checked') refuseReadOnly(kind, path, name, old);
  const p = typeof next === 'function' ? next(old) : next;
  if (p === undefined) return [];
  const text = encodeProperty(p);
  if (str(rec.props?.[name]) === text) return [];
  if (rec.props) rec.props[name] = S(text);
  else rec.props = { [name]: S(text) };
  return [[keyOf(kind, path), `property:${name}`]];
}

export function deleteProperty(doc: DeploymentDoc, kind: EntityKind, path: string, name: string): Touched {
  const rec = need(doc, kind, path);
  refuseReadOnly(kind, path, name, readProperty(rec, name));
  if (!rec.props || !(name in rec.props)) return [];
  delete rec.props[name];
  return [[keyOf(kind, path), `property:${name}`]];
}

/** Removes a property whatever its definition (Day 2: the template no longer has it). */
export function forgetProperty(doc: DeploymentDoc, kind: EntityKind, path: string, name: string): Touched {
  const rec = need(doc, kind, path);
  if (!rec.props || !(name in rec.props)) return [];
  delete rec.props[name];
  return [[keyOf(kind, path), `property:${name}`]];
}

/** Sets (or removes with undefined) one scalar field of a record. */
export function setField(
  doc: DeploymentDoc,
  kind: EntityKind,
  path: string,
  field: 'meta' | 'hdl' | 'ihdl' | 'owner' | 'status' | 'url' | 'pre',
  value: string | boolean | undefined,
  label: string,
): Touched {
  const rec = need(doc, kind, path);
  const cur = rec[field];
  if ((typeof cur === 'boolean' || cur === undefined ? cur : str(cur)) === value) return [];
  if (value === undefined) delete rec[field];
  else (rec as Record<string, unknown>)[field] = typeof value === 'string' ? S(value) : value;
  return [[keyOf(kind, path), label]];
}

/** Replaces a set by adding/removing members (so concurrent edits of other members merge). */
export function setClasses(doc: DeploymentDoc, kind: EntityKind, path: string, classIds: readonly string[]): Touched {
  const rec = need(doc, kind, path);
  const want = new Set(classIds);
  if (!rec.cls) rec.cls = {};
  const cls = rec.cls;
  let changed = false;
  for (const k of Object.keys(cls)) {
    if (want.has(k)) continue;
    delete cls[k];
    changed = true;
  }
  for (const k of want) {
    if (k in cls) continue;
    cls[k] = true;
    changed = true;
  }
  return changed ? [[keyOf(kind, path), 'classIds']] : [];
}

export function requireRecord(doc: DeploymentDoc, kind: EntityKind, path: string): EntityRecord {
  return need(doc, kind, path);
}
