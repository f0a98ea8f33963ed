/** Conversion between stored EntityRecords and the typed entities of the API. */
import { storeError } from './errors.js';
import { parseEntityId } from './ids.js';
import type { EntityId, EntityKind } from './ids.js';
import type { Expression } from './expression/index.js';
import { containsCall, validateExpression, isCall } from './expression/index.js';
import { packExpression, unpackExpression } from './expression/codec.js';
import { str } from './doc-schema.js';
import type { EntityRecord, KeySet, Str } from './doc-schema.js';
import type {
  Entity,
  EventHandlers,
  EventHandler,
  Metadata,
  Property,
  PropertyInput,
  VertexStatus,
  EdgeTargetSelector,
} from './entities.js';

export function encodeMetadata(meta: Metadata | undefined, path = 'metadata'): string | undefined {
  if (meta === undefined) return undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw storeError('KH-STORE-011', `${path} must be a record of expressions`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    const e = validateExpression(v, `${path}.${k}`);
    if (containsCall(e)) throw storeError('KH-STORE-015', `${path}.${k} contains a function call`, { hint: 'metadata is literal; put computed values in properties' });
    out[k] = packExpression(e);
  }
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}

export function decodeMetadata(text: string | undefined): Metadata {
  if (!text) return {};
  const o = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, Expression> = {};
  for (const [k, v] of Object.entries(o)) out[k] = unpackExpression(v);
  return out;
}

function checkStrings(list: unknown, path: string): string[] {
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x.length > 0)) {
    throw storeError('KH-STORE-011', `${path} must be a list of non-empty strings`);
  }
  return list as string[];
}

export function normaliseProperty(input: PropertyInput, path: string): Property {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw storeError('KH-STORE-011', `${path} must be a property object`, { hint: 'e.g. { value: "x" } or { readOnly: true, value: 1n }' });
  if (input.readOnly !== undefined && typeof input.readOnly !== 'boolean') throw storeError('KH-STORE-011', `${path}.readOnly must be boolean`);
  const meta = input.metadata ?? {};
  encodeMetadata(meta, `${path}.metadata`); // validates
  const p: Property = {
    metadata: meta,
    classIds: input.classIds === undefined ? [] : checkStrings(input.classIds, `${path}.classIds`),
    readOnly: input.readOnly ?? false,
    ...(input.preparer !== undefined ? { preparer: validateExpression(input.preparer, `${path}.preparer`) } : {}),
    ...(input.updater !== undefined ? { updater: validateExpression(input.updater, `${path}.updater`) } : {}),
    ...(input.value !== undefined ? { value: validateExpression(input.value, `${path}.value`) } : {}),
  };
  return p;
}

export function encodeProperty(p: Property): string {
  const o: Record<string, unknown> = {};
  if (Object.keys(p.metadata).length > 0) o.m = JSON.parse(encodeMetadata(p.metadata) ?? '{}');
  if (p.classIds.length > 0) o.c = p.classIds;
  if (p.readOnly) o.r = 1;
  if (p.preparer !== undefined) o.p = packExpression(p.preparer);
  if (p.updater !== undefined) o.u = packExpression(p.updater);
  if (p.value !== undefined) o.v = packExpression(p.value);
  return JSON.stringify(o);
}

export function decodeProperty(text: string): Property {
  const o = JSON.parse(text) as Record<string, unknown>;
  return {
    metadata: o.m ? decodeMetadata(JSON.stringify(o.m)) : {},
    classIds: Array.isArray(o.c) ? (o.c as string[]) : [],
    readOnly: o.r === 1,
    ...('p' in o ? { preparer: unpackExpression(o.p) } : {}),
    ...('u' in o ? { updater: unpackExpression(o.u) } : {}),
    ...('v' in o ? { value: unpackExpression(o.v) } : {}),
  };
}

export function encodeHandlers(h: EventHandlers | undefined, path: string): string | undefined {
  if (h === undefined) return undefined;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw storeError('KH-STORE-011', `${path} must map event names to handler lists`);
  const out: Record<string, unknown[]> = {};
  for (const [event, list] of Object.entries(h)) {
    if (!Array.isArray(list)) throw storeError('KH-STORE-011', `${path}.${event} must be a list of handlers`);
    out[event] = list.map((x: EventHandler, i) => {
      if (typeof x !== 'object' || x === null || typeof x.fn !== 'string' || !x.fn.includes(':')) {
        throw storeError('KH-STORE-011', `${path}.${event}[${i}] needs fn "<plugin>:<name>"`);
      }
      return x.args === undefined ? { f: x.fn } : { f: x.fn, a: x.args.map((a, j) => packExpression(validateExpression(a, `${path}.${event}[${i}].args[${j}]`))) };
    });
  }
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}

export function decodeHandlers(text: string | undefined): EventHandlers {
  if (!text) return {};
  const o = JSON.parse(text) as Record<string, { f: string; a?: unknown[] }[]>;
  const out: Record<string, EventHandler[]> = {};
  for (const [event, list] of Object.entries(o)) {
    out[event] = list.map((x) => (x.a === undefined ? { fn: x.f } : { fn: x.f, args: x.a.map(unpackExpression) }));
  }
  return out;
}

export function encodeTarget(t: EdgeTargetSelector): string {
  if (typeof t !== 'object' || t === null) throw storeError('KH-STORE-011', 'edge template target must be { vertex } or { finder }');
  if ('vertex' in t && typeof t.vertex === 'string') return JSON.stringify({ vertex: t.vertex });
  if ('finder' in t) {
    const f = validateExpression(t.finder, 'target.finder');
    if (!isCall(f)) throw storeError('KH-STORE-011', 'edge template finder must be a call');
    return JSON.stringify({ finder: packExpression(f), ...(t.directories ? { directories: t.directories } : {}) });
  }
  throw storeError('KH-STORE-011', 'edge template target must be { vertex } or { finder }');
}

export function decodeTarget(text: string | undefined): EdgeTargetSelector {
  const o = JSON.parse(text ?? '{"vertex":""}') as { vertex?: string; finder?: unknown; directories?: string[][] };
  if (o.finder !== undefined) {
    const f = unpackExpression(o.finder);
    if (!isCall(f)) throw storeError('KH-STORE-022', 'stored finder is not a call');
    return { finder: f, ...(o.directories ? { directories: o.directories } : {}) };
  }
  return { vertex: o.vertex ?? '' };
}

export function encodeStatus(s: VertexStatus): string {
  return JSON.stringify(s);
}
export function decodeStatus(text: string | undefined): VertexStatus | undefined {
  return text ? (JSON.parse(text) as VertexStatus) : undefined;
}

export function keys(set: KeySet | undefined): string[] {
  return set ? Object.keys(set).sort() : [];
}

export function toKeySet(list: readonly string[]): KeySet {
  const s: KeySet = {};
  for (const x of list) s[x] = true;
  return s;
}

export function decodeProperties(props: Record<string, Str> | undefined): Record<string, Property> {
  const out: Record<string, Property> = {};
  if (props) for (const k of Object.keys(props).sort()) out[k] = decodeProperty(str(props[k])!);
  return out;
}

/** Adjacency derived from the visible edges (so endpoint lists always match). */
export interface Adjacency {
  readonly outgoing: readonly string[];
  readonly incoming: readonly string[];
  readonly contained: readonly string[];
}

/**
 * Decodes a record. `visible(path)` says whether a referenced vertex exists (dangling references
 * read as absent); `adj` supplies derived adjacency for vertexes.
 */
export function decodeEntity(
  kind: EntityKind,
  path: string,
  rec: EntityRecord,
  vertexExists: (path: string) => boolean,
  adj?: Adjacency,
): Entity {
  const id = parseEntityId(kind, path) as EntityId & { kind: never };
  const metadata = decodeMetadata(str(rec.meta));
  switch (kind) {
    case 'plugin':
      return { id, metadata, url: str(rec.url) ?? '', precompiled: rec.pre === true } as Entity;
    case 'class':
      return { id, metadata } as Entity;
    case 'vertex-template':
      return {
        id, metadata, classIds: keys(rec.cls), properties: decodeProperties(rec.props), handlers: decodeHandlers(str(rec.hdl)), instantiationHandlers: decodeHandlers(str(rec.ihdl)),
        ...(rec.containing !== undefined ? { containing: str(rec.containing) } : {}),
        contained: keys(rec.contained), outgoing: keys(rec.out),
      } as Entity;
    case 'edge-template':
      return {
        id, metadata, classIds: keys(rec.cls), properties: decodeProperties(rec.props), handlers: decodeHandlers(str(rec.hdl)), instantiationHandlers: decodeHandlers(str(rec.ihdl)),
        source: str(rec.source) ?? '', target: decodeTarget(str(rec.tgt)),
      } as Entity;
    case 'vertex': {
      const status = decodeStatus(str(rec.status));
      return {
        id, metadata, classIds: keys(rec.cls), properties: decodeProperties(rec.props), handlers: decodeHandlers(str(rec.hdl)),
        ...(rec.origin !== undefined ? { origin: str(rec.origin) } : {}),
        ...(rec.containing !== undefined && vertexExists(str(rec.containing)!) ? { containing: str(rec.containing) } : {}),
        contained: adj?.contained ?? [], outgoing: adj?.outgoing ?? [], incoming: adj?.incoming ?? [],
        ...(rec.owner !== undefined ? { owner: str(rec.owner) } : {}),
        ...(status !== undefined ? { status } : {}),
      } as Entity;
    }
    case 'edge':
      return {
        id, metadata, classIds: keys(rec.cls), properties: decodeProperties(rec.props), handlers: decodeHandlers(str(rec.hdl)),
        ...(rec.origin !== undefined ? { origin: str(rec.origin) } : {}),
        source: str(rec.source) ?? '', target: str(rec.target) ?? '',
      } as Entity;
  }
}
