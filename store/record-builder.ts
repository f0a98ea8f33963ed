/** Validates create inputs (before anything is queued) and builds the stored record. */
import type { Clock, Random } from '../common/index.js';
import { storeError } from './errors.js';
import { checkEntityId, entityId, formatEntityId, generateName, parseEntityId } from './ids.js';
import type { EntityId, EntityKind } from './ids.js';
import { S } from './doc-schema.js';
import type { EntityRecord } from './doc-schema.js';
import { encodeHandlers, encodeMetadata, encodeProperty, encodeTarget, normaliseProperty, toKeySet } from './entity-codec.js';
import type { InputByKind, PropertyInput } from './entities.js';
import type { Touched } from './write-ops.js';
import { keyOf } from './write-ops.js';

export interface IdContext {
  readonly hostId: string;
  readonly clock: Clock;
  readonly random: Random;
}

/** Resolves an id given as string, EntityId or nothing (generated in `directory`). */
export function resolveId(kind: EntityKind, id: EntityId | string | undefined, directory: readonly string[] | undefined, ctx: IdContext): EntityId {
  if (typeof id === 'string') return parseEntityId(kind, id);
  if (id !== undefined) {
    const checked = checkEntityId(id);
    if (checked.kind !== kind) throw storeError('KH-STORE-011', `id is a ${checked.kind} id but a ${kind} is being created`);
    return checked;
  }
  return entityId(kind, directory ?? [], generateName(ctx.hostId, ctx.clock, ctx.random));
}

/** A path reference to another entity (validated like an id). */
export function refPath(kind: EntityKind, ref: unknown, what: string): string {
  if (typeof ref !== 'string') throw storeError('KH-STORE-011', `${what} must be a ${kind} path string`);
  return formatEntityId(parseEntityId(kind, ref));
}

function properties(input: Readonly<Record<string, PropertyInput>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (input === undefined) return out;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw storeError('KH-STORE-011', 'properties must be a record of property objects');
  for (const [name, p] of Object.entries(input)) {
    if (name.length === 0) throw storeError('KH-STORE-011', 'property names may not be empty');
    out[name] = encodeProperty(normaliseProperty(p, `properties.${name}`));
  }
  return out;
}

function classes(list: readonly string[] | undefined): Record<string, true> {
  if (list === undefined) return {};
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string' && c.length > 0)) throw storeError('KH-STORE-011', 'classIds must be a list of class id strings');
  return toKeySet(list);
}

/** Builds a record; every nested map is created here, once, so replicas never create it concurrently. */
export function buildRecord<K extends EntityKind>(kind: K, input: InputByKind[K]): { record: EntityRecord; hint: (path: string) => Touched } {
  if (typeof input !== 'object' || input === null) throw storeError('KH-STORE-011', `${kind} input must be an object`);
  const rec: EntityRecord = {};
  const meta = encodeMetadata(input.metadata);
  if (meta !== undefined) rec.meta = S(meta);
  const i = input as Record<string, unknown>;
  const links: [EntityKind, string, string][] = [];
  if (kind === 'plugin') {
    if (typeof i.url !== 'string' || i.url.length === 0) throw storeError('KH-STORE-011', 'plugin needs a url');
    rec.url = S(i.url);
    rec.pre = i.precompiled === true;
  }
  if (kind !== 'plugin' && kind !== 'class') {
    rec.cls = classes(i.classIds as string[] | undefined);
    rec.props = Object.fromEntries(Object.entries(properties(i.properties as Record<string, PropertyInput> | undefined)).map(([k, v]) => [k, S(v)]));
    const hdl = encodeHandlers(i.handlers as never, 'handlers');
    if (hdl !== undefined) rec.hdl = S(hdl);
  }
  if (kind === 'vertex-template' || kind === 'edge-template') {
    const ihdl = encodeHandlers(i.instantiationHandlers as never, 'instantiationHandlers');
    if (ihdl !== undefined) rec.ihdl = S(ihdl);
  }
  if (kind === 'vertex' || kind === 'vertex-template') {
    rec.contained = {};
    rec.out = {};
    if (kind === 'vertex') rec.in = {};
    if (i.containing !== undefined) {
      const containing = refPath(kind, i.containing, 'containing');
      rec.containing = S(containing);
      links.push([kind, containing, 'contained']);
    }
  }
  if (kind === 'vertex' && i.owner !== undefined) {
    if (typeof i.owner !== 'string' || i.owner.length === 0) throw storeError('KH-STORE-011', 'owner must be a host id');
    rec.owner = S(i.owner);
  }
  if ((kind === 'vertex' || kind === 'edge') && i.origin !== undefined) {
    if (typeof i.origin !== 'string') throw storeError('KH-STORE-011', 'origin must be a template path');
    rec.origin = S(i.origin);
  }
  if (kind === 'edge') {
    const source = refPath('vertex', i.source, 'source');
    const target = refPath('vertex', i.target, 'target');
    rec.source = S(source);
    rec.target = S(target);
    links.push(['vertex', source, 'outgoing'], ['vertex', target, 'incoming']);
  }
  if (kind === 'edge-template') {
    const source = refPath('vertex-template', i.source, 'source');
    rec.source = S(source);
    rec.tgt = S(encodeTarget(i.target as never));
    links.push(['vertex-template', source, 'outgoing']);
  }
  return { record: rec, hint: (path) => [[keyOf(kind, path), 'created'], ...links.map(([k, p, f]): [string, string] => [keyOf(k, p), f])] };
}
