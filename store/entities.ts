/**
 * The Floria entities as the typed API returns them (plain, immutable snapshots). References
 * inside one deployment are path strings (`dir/name`); the field says the kind.
 */
import type { ErrorData } from '../common/index.js';
import type { Expression, CallExpression } from './expression/index.js';
import type { EntityId, EntityKind } from './ids.js';
import type { Json } from './expression/index.js';

/** Literal data: never contains calls (KH-STORE-015). */
export type Metadata = Readonly<Record<string, Expression>>;

export interface Property {
  readonly metadata: Metadata;
  readonly classIds: readonly string[];
  /** Set once: update() does nothing once a value exists; writing the value then is KH-STORE-012. */
  readonly readOnly: boolean;
  /** Evaluated after update when a value exists: coerces/validates it. */
  readonly preparer?: Expression;
  /** Evaluated by update to (re)compute the value. */
  readonly updater?: Expression;
  readonly value?: Expression;
}

export type Properties = Readonly<Record<string, Property>>;

/** One handler: a function `<plugin>:<name>` with optional extra arguments (e.g. operation inputs). */
export interface EventHandler {
  readonly fn: string;
  readonly args?: readonly Expression[];
}
/** Event name -> handlers, run in list order (all of them, unlike Floria which ran the first). */
export type EventHandlers = Readonly<Record<string, readonly EventHandler[]>>;

/** Observed state of a vertex, written only by its owning host. */
export interface VertexStatus {
  readonly state: string;
  readonly reason?: string;
  /** ms since epoch, from the writer's injected clock. */
  readonly at: number;
  readonly error?: ErrorData;
  readonly observed?: Json;
}

interface EntityBase<K extends EntityKind> {
  readonly id: EntityId & { readonly kind: K };
  readonly metadata: Metadata;
}

export interface Plugin extends EntityBase<'plugin'> {
  readonly url: string;
  readonly precompiled: boolean;
}

export type Class = EntityBase<'class'>;

interface TemplateBase<K extends EntityKind> extends EntityBase<K> {
  readonly classIds: readonly string[];
  readonly properties: Properties;
  readonly handlers: EventHandlers;
  /** Run by instantiate() before anything is created; a handler may cancel. */
  readonly instantiationHandlers: EventHandlers;
}

export interface VertexTemplate extends TemplateBase<'vertex-template'> {
  readonly containing?: string;
  readonly contained: readonly string[];
  readonly outgoing: readonly string[];
}

/** How an edge template picks its target vertex at instantiation. */
export type EdgeTargetSelector =
  | { readonly vertex: string }
  | { readonly finder: CallExpression; readonly directories?: readonly (readonly string[])[] };

export interface EdgeTemplate extends TemplateBase<'edge-template'> {
  readonly source: string;
  readonly target: EdgeTargetSelector;
}

interface InstanceBase<K extends EntityKind> extends EntityBase<K> {
  readonly origin?: string;
  readonly classIds: readonly string[];
  readonly properties: Properties;
  readonly handlers: EventHandlers;
}

export interface Vertex extends InstanceBase<'vertex'> {
  readonly containing?: string;
  readonly contained: readonly string[];
  /** Edges whose source is this vertex (derived so it always matches the visible edges). */
  readonly outgoing: readonly string[];
  readonly incoming: readonly string[];
  /** Host id the scheduler placed this vertex on. */
  readonly owner?: string;
  readonly status?: VertexStatus;
}

export interface Edge extends InstanceBase<'edge'> {
  readonly source: string;
  readonly target: string;
}

export type Entity = Plugin | Class | VertexTemplate | EdgeTemplate | Vertex | Edge;

export interface EntityByKind {
  plugin: Plugin;
  class: Class;
  'vertex-template': VertexTemplate;
  'edge-template': EdgeTemplate;
  vertex: Vertex;
  edge: Edge;
}

/** A property as given to a write: partial, or just a value (then readOnly=false). */
export interface PropertyInput {
  readonly metadata?: Metadata;
  readonly classIds?: readonly string[];
  readonly readOnly?: boolean;
  readonly preparer?: Expression;
  readonly updater?: Expression;
  readonly value?: Expression;
}

/** Common create input: the id is optional (a coordination-free name is generated in `directory`). */
interface InputBase {
  readonly id?: EntityId | string;
  readonly directory?: readonly string[];
  readonly metadata?: Metadata;
}

export interface PluginInput extends InputBase {
  readonly url: string;
  readonly precompiled?: boolean;
}
export type ClassInput = InputBase;

interface TemplateInputBase extends InputBase {
  readonly classIds?: readonly string[];
  readonly properties?: Readonly<Record<string, PropertyInput>>;
  readonly handlers?: EventHandlers;
  readonly instantiationHandlers?: EventHandlers;
}
export interface VertexTemplateInput extends TemplateInputBase {
  readonly containing?: string;
}
export interface EdgeTemplateInput extends TemplateInputBase {
  readonly source: string;
  readonly target: EdgeTargetSelector;
}
export interface VertexInput extends InputBase {
  readonly origin?: string;
  readonly classIds?: readonly string[];
  readonly properties?: Readonly<Record<string, PropertyInput>>;
  readonly handlers?: EventHandlers;
  readonly containing?: string;
  readonly owner?: string;
}
export interface EdgeInput extends InputBase {
  readonly origin?: string;
  readonly classIds?: readonly string[];
  readonly properties?: Readonly<Record<string, PropertyInput>>;
  readonly handlers?: EventHandlers;
  readonly source: string;
  readonly target: string;
}

export interface InputByKind {
  plugin: PluginInput;
  class: ClassInput;
  'vertex-template': VertexTemplateInput;
  'edge-template': EdgeTemplateInput;
  vertex: VertexInput;
  edge: EdgeInput;
}

/** Fields replaceable by update(); properties are written one by one with setProperty/putProperty. */
export interface EntityPatch {
  readonly metadata?: Metadata;
  readonly classIds?: readonly string[];
  readonly handlers?: EventHandlers;
  readonly instantiationHandlers?: EventHandlers;
  readonly url?: string;
  readonly precompiled?: boolean;
}
