/** Typed change events derived from Automerge patches, for local and remote changes alike. */
import type { EntityId, EntityKind } from './ids.js';

export type ChangeField =
  | 'created'
  | 'deleted'
  | 'metadata'
  | 'classIds'
  | 'property'
  | 'handlers'
  | 'instantiationHandlers'
  | 'owner'
  | 'status'
  | 'containing'
  | 'contained'
  | 'outgoing'
  | 'incoming'
  | 'source'
  | 'target'
  | 'origin'
  | 'url'
  | 'precompiled';

export interface ChangeEvent {
  readonly deployment: string;
  readonly id: EntityId;
  readonly kind: EntityKind;
  readonly field: ChangeField;
  /** The property name when field is 'property'. */
  readonly property?: string;
  /** Decoded values before/after (Property, VertexStatus, string...); undefined = absent. */
  readonly old: unknown;
  readonly new: unknown;
  /** True when this process made the change; false for changes merged from a peer. */
  readonly local: boolean;
}

export type ChangeListener = (events: readonly ChangeEvent[]) => void;

/** One field an entry changed, with its values before and after (absent: unset). */
export interface FieldChange {
  /** `property:NAME`, `status`, `owner`, `metadata:KEY`, `created`, `deleted`, … */
  readonly field: string;
  readonly old?: unknown;
  readonly new?: unknown;
  /** For `status`: the new state's reason or error. */
  readonly note?: string;
}

/** One entry of an entity's history: one Automerge change that touched it. */
export interface HistoryEntry {
  /** Automerge actor id of the writer. */
  readonly actor: string;
  /** Host id of the writer (from the change message). */
  readonly host: string;
  /** ms since epoch from the writer's injected clock. */
  readonly at: number;
  /** Fields touched, e.g. `created`, `property:port`, `status`. */
  readonly fields: readonly string[];
  readonly hash: string;
  readonly seq: number;
  /** Position in the document's causal order of changes (orders entries of different entities). */
  readonly order: number;
  /** What the change did to the entity's fields, with values. */
  readonly changes: readonly FieldChange[];
}

export type ClusterChangeField = 'host' | 'deployment' | 'plugin';

export interface ClusterChangeEvent {
  readonly field: ClusterChangeField;
  readonly key: string;
  readonly old: unknown;
  readonly new: unknown;
  readonly local: boolean;
}

export type ClusterChangeListener = (events: readonly ClusterChangeEvent[]) => void;
