/**
 * What the actor layer needs from the store, as a narrow port. Adapters: MemoryActorStore (tests,
 * benchmarks), FileActorStore (a JSON file, for crash tests without the full store) and
 * FloriaActorStore (the real store/ API). Values are plain JSON here: adapters convert.
 */
import type { ErrorData } from '../common/index.js';
import type { JsonValue } from '../plugins/effects.js';
import type { ActorState } from './logic/index.js';

export interface VertexView {
  /** Path of the vertex inside its deployment (`dir/name`). */
  id: string;
  template?: string;
  classes: string[];
  properties: Record<string, JsonValue>;
  /** Event name -> handler function names `<plugin-id>:<function>`, run in order. */
  handlers: Record<string, string[]>;
  /** Host that runs this vertex's actor; absent = local (until the scheduler places it). */
  owner?: string;
  status?: StoredStatus;
  /**
   * Day-2 control (store/control.ts): the spec generation to run, the generation from which the
   * workload is replaced, and the generation that retired the vertex (it is stopped and removed).
   */
  control?: { generation: number; replace?: number; retired?: number };
  /** The spec generation its owner last started (from the stored actor state, whoever owns it). */
  observedGeneration?: number;
}

export interface EdgeView {
  id: string;
  /** Requirement name or edge template name. */
  name: string;
  source: string;
  target: string;
  classes: string[];
  properties: Record<string, JsonValue>;
  handlers: Record<string, string[]>;
}

/** A policy trigger as the engine runs it when an emitted event reaches a target of the policy. */
export interface TriggerView {
  name: string;
  event: string;
  /** A condition is given: not evaluated yet, so the trigger is reported and not run. */
  condition: boolean;
  /** Workflow activities; inputs as plain values. */
  actions: { kind: 'call_operation' | 'set_state' | 'delegate' | 'inline'; name: string; inputs: Record<string, JsonValue> }[];
}

export interface PolicyView {
  name: string;
  /** The vertexes of the policy's target templates and groups. */
  vertexes: string[];
  triggers: TriggerView[];
}

export interface GraphView {
  vertexes: VertexView[];
  edges: EdgeView[];
  /** Policies with triggers (absent: none). */
  policies?: PolicyView[];
}

/** What an actor writes to its vertex `status`: the lifecycle phase plus its full restorable state. */
export interface StoredStatus {
  state: string;
  reason?: string;
  at: number;
  error?: ErrorData;
  actor?: ActorState;
}

export interface ActorStorePort {
  deployments(): Promise<string[]>;
  /** A consistent view of a deployment's vertexes and edges. Unknown deployment: KH-ACTOR-009. */
  load(deployment: string): Promise<GraphView>;
  /**
   * Writes a vertex status. Resolves once the write is durable (adapters batch writes of one tick),
   * so an actor that awaited it can crash without losing the transition.
   */
  writeStatus(deployment: string, vertex: string, status: StoredStatus): Promise<void>;
  setProperty(deployment: string, vertex: string, name: string, value: JsonValue): Promise<void>;
  /** Removes a retired vertex (and its edges) once its owner stopped and deleted it. */
  removeVertex(deployment: string, vertex: string): Promise<void>;
  close(): Promise<void>;
}
