/**
 * The Automerge layout of a deployment document. Entities sit in fixed hash buckets (created with
 * the document, so no replica ever creates a bucket concurrently) to keep every map under ~1k keys.
 * Each property is ONE JSON string (compact, fast), while different properties/fields are different
 * keys, so concurrent edits of different fields merge without loss.
 */
import { ImmutableString } from '@automerge/automerge';
import type { EntityKind } from './ids.js';
import { ENTITY_KINDS } from './ids.js';

export const SCHEMA_VERSION = 1;

/**
 * Stored strings are Automerge ImmutableStrings (one scalar op), never collaborative Text
 * (one op per character: ~10x slower to write and larger on disk).
 */
export type Str = ImmutableString;

export function S(text: string): Str {
  return new ImmutableString(text);
}

/** Reads a stored string (also tolerates plain strings from older or foreign writers). */
export function str(v: Str | string | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v.val;
}

/** A set stored as a map (concurrent adds of different members merge). */
export type KeySet = Record<string, true>;

export interface EntityRecord {
  /** Encoded metadata (JSON of a packed string-keyed map). */
  meta?: Str;
  cls?: KeySet;
  /** Property name -> encoded Property JSON. */
  props?: Record<string, Str>;
  hdl?: Str;
  ihdl?: Str;
  origin?: Str;
  containing?: Str;
  contained?: KeySet;
  out?: KeySet;
  in?: KeySet;
  owner?: Str;
  /** Encoded VertexStatus JSON (observed state: written only by the owner). */
  status?: Str;
  source?: Str;
  target?: Str;
  /** Edge template target selector JSON. */
  tgt?: Str;
  url?: Str;
  pre?: boolean;
}

export type Buckets = Record<string, Record<string, EntityRecord>>;

export interface DeploymentDoc {
  v: number;
  name: Str;
  createdAt: number;
  /** Bucket count per kind (fixed at creation). */
  nb: Record<string, number>;
  e: Record<string, Buckets>;
}

export const DEFAULT_BUCKETS: Readonly<Record<EntityKind, number>> = {
  plugin: 4,
  class: 8,
  'vertex-template': 16,
  'edge-template': 16,
  vertex: 64,
  edge: 64,
};

export function initialDeploymentDoc(name: string, createdAt: number): DeploymentDoc {
  const e: Record<string, Buckets> = {};
  const nb: Record<string, number> = {};
  for (const kind of ENTITY_KINDS) {
    const n = DEFAULT_BUCKETS[kind];
    nb[kind] = n;
    const buckets: Buckets = {};
    for (let i = 0; i < n; i++) buckets[String(i)] = {};
    e[kind] = buckets;
  }
  // The service vertex (inputs/outputs) is part of the initial document, so no replica ever
  // creates it concurrently.
  const service = '_floria/service';
  e.vertex![bucketOf(service, nb.vertex!)]![service] = { cls: { 'floria:service': true }, props: {}, contained: {}, out: {}, in: {} };
  return { v: SCHEMA_VERSION, name: S(name), createdAt, nb, e };
}

/** FNV-1a: stable across replicas and versions (bucket placement must never change). */
export function bucketOf(path: string, buckets: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    h ^= path.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return String((h >>> 0) % buckets);
}

export function recordOf(doc: DeploymentDoc, kind: EntityKind, path: string): EntityRecord | undefined {
  const n = doc.nb[kind];
  if (n === undefined) return undefined;
  return doc.e[kind]?.[bucketOf(path, n)]?.[path];
}

export function bucketFor(doc: DeploymentDoc, kind: EntityKind, path: string): Record<string, EntityRecord> {
  const b = doc.e[kind]?.[bucketOf(path, doc.nb[kind] ?? 1)];
  if (!b) throw new Error(`deployment document lacks bucket for ${kind}`);
  return b;
}

/** Every record of a kind: [path, record]. */
export function* recordsOf(doc: DeploymentDoc, kind: EntityKind): Generator<[string, EntityRecord]> {
  const buckets = doc.e[kind];
  if (!buckets) return;
  for (const b of Object.values(buckets)) for (const [path, rec] of Object.entries(b)) yield [path, rec];
}

/** Cluster document layout. Hosts are maps of fields so different writers merge per field. */
export interface HostRecord {
  name?: Str;
  addresses?: Str;
  labels?: Str;
  capacity?: Str;
  lastSeen?: number;
}

export interface ClusterDoc {
  v: number;
  hosts: Record<string, HostRecord>;
  deployments: Record<string, { url: Str; createdAt: number }>;
  plugins: Record<string, Str>;
}

export function initialClusterDoc(): ClusterDoc {
  return { v: SCHEMA_VERSION, hosts: {}, deployments: {}, plugins: {} };
}
