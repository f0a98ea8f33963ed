/**
 * Entity identity: (kind, directory, name). The string form is `seg1/seg2/name`; the kind travels
 * separately. Names are generated without coordination so replicas never collide.
 */
import type { Brand, Random, Clock } from '../common/index.js';
import { HOST_ID_HINT, isHostId } from '../common/index.js';
import { storeError } from './errors.js';

export const ENTITY_KINDS = ['plugin', 'class', 'vertex-template', 'edge-template', 'vertex', 'edge'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export interface EntityId {
  readonly kind: EntityKind;
  readonly directory: readonly string[];
  readonly name: string;
}

/** A deployment name (also the key in the cluster's deployment index). */
export type DeploymentName = Brand<string, 'DeploymentName'>;
/** A host id (writes `owner` and `status`). */
export type HostId = Brand<string, 'HostId'>;

// Segments are path-safe: no '/', no whitespace or control characters, not '.' or '..'.
const SEGMENT = /^[A-Za-z0-9_.:@+~-]{1,200}$/;
const DEPLOYMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isEntityKind(value: unknown): value is EntityKind {
  return typeof value === 'string' && (ENTITY_KINDS as readonly string[]).includes(value);
}

export function parseEntityKind(value: unknown): EntityKind {
  if (isEntityKind(value)) return value;
  throw storeError('KH-STORE-002', `unknown entity kind ${JSON.stringify(value)}`, {
    hint: `use one of: ${ENTITY_KINDS.join(', ')}`,
    details: { kind: String(value) },
  });
}

function checkSegment(seg: unknown, what: string, whole: string): string {
  if (typeof seg !== 'string' || !SEGMENT.test(seg) || seg === '.' || seg === '..') {
    throw storeError('KH-STORE-001', `malformed entity id ${JSON.stringify(whole)}: bad ${what} ${JSON.stringify(seg)}`, {
      hint: 'segments are 1-200 characters of letters, digits and _ . : @ + ~ -, separated by /',
      details: { id: whole },
    });
  }
  return seg;
}

/** Validates and freezes an EntityId given as an object (e.g. from JSON). */
export function entityId(kind: EntityKind | string, directory: readonly string[], name: string): EntityId {
  const k = parseEntityKind(kind);
  const whole = [...(Array.isArray(directory) ? directory : []), name].join('/');
  if (!Array.isArray(directory)) throw storeError('KH-STORE-001', `malformed entity id: directory must be a list`, { details: { id: whole } });
  if (directory.length > 32) throw storeError('KH-STORE-001', `malformed entity id ${JSON.stringify(whole)}: directory deeper than 32`, { details: { id: whole } });
  const dir = directory.map((s) => checkSegment(s, 'directory segment', whole));
  return Object.freeze({ kind: k, directory: Object.freeze(dir), name: checkSegment(name, 'name', whole) });
}

/** Parses `seg1/seg2/name` for a kind. */
export function parseEntityId(kind: EntityKind | string, text: string): EntityId {
  if (typeof text !== 'string' || text.length === 0 || text.length > 4096) {
    throw storeError('KH-STORE-001', `malformed entity id ${JSON.stringify(text)}`, {
      hint: 'write an id as dir1/dir2/name (at least a name)',
      details: { id: String(text) },
    });
  }
  const parts = text.split('/');
  const name = parts.pop()!;
  return entityId(kind, parts, name);
}

/** Accepts an EntityId object and re-validates it (cheap), so untyped callers can't smuggle bad ids. */
export function checkEntityId(id: EntityId): EntityId {
  if (typeof id !== 'object' || id === null) throw storeError('KH-STORE-001', 'malformed entity id: not an object');
  if (Object.isFrozen(id) && isEntityKind(id.kind)) return id;
  return entityId(id.kind, id.directory, id.name);
}

export function formatEntityId(id: EntityId): string {
  return id.directory.length === 0 ? id.name : `${id.directory.join('/')}/${id.name}`;
}

/** `kind:path` — unique across kinds; used as a map key. */
export function entityKey(id: EntityId): string {
  return `${id.kind}:${formatEntityId(id)}`;
}

export function parseEntityKey(key: string): EntityId {
  const i = key.indexOf(':');
  if (i < 0) throw storeError('KH-STORE-001', `malformed entity key ${JSON.stringify(key)}`, { hint: 'write kind:dir/name' });
  return parseEntityId(key.slice(0, i), key.slice(i + 1));
}

export function sameEntity(a: EntityId, b: EntityId): boolean {
  return entityKey(a) === entityKey(b);
}

export function parseDeploymentName(text: string): DeploymentName {
  if (typeof text !== 'string' || !DEPLOYMENT.test(text)) {
    throw storeError('KH-STORE-003', `malformed deployment name ${JSON.stringify(text)}`, {
      hint: 'use 1-128 letters, digits, _ . - starting with a letter or digit',
    });
  }
  return text as DeploymentName;
}

export function parseHostId(text: string): HostId {
  if (!isHostId(text)) {
    throw storeError('KH-STORE-004', `malformed host id ${JSON.stringify(text)}`, {
      hint: HOST_ID_HINT,
    });
  }
  return text as HostId;
}

/**
 * A name unique without coordination: host prefix + time (base36, sortable) + random suffix.
 * Clock and Random are injected so tests are reproducible.
 */
export function generateName(host: string, clock: Clock, random: Random, prefix = ''): string {
  const t = Math.max(0, Math.floor(clock.now())).toString(36).padStart(9, '0');
  const h = host.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 32);
  return `${prefix}${h}-${t}-${random.hex(5)}`;
}
