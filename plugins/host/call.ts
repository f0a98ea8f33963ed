/**
 * The data that crosses into a plugin call and back. Plain JSON so it crosses worker threads
 * (structured clone) and the Wasm boundary (one JSON string each way).
 */
import type { ErrorData } from '../../common/index.js';
import type { Effect, JsonValue } from '../effects.js';

/** A neighbour seen through an edge: enough to read its address, ports and status. */
export interface PeerSnapshot {
  id: string;
  template?: string;
  classes: string[];
  properties: Record<string, JsonValue>;
  attributes?: Record<string, JsonValue>;
  status?: string;
}

export interface EdgeSnapshot {
  id: string;
  /** The requirement name (TOSCA) or edge template name. */
  name: string;
  /** `out`: this vertex is the source; `in`: this vertex is the target. */
  direction: 'out' | 'in';
  classes: string[];
  properties: Record<string, JsonValue>;
  peer: PeerSnapshot;
}

/** The vertex a call runs for, with its edges and neighbours (one hop). */
export interface VertexSnapshot {
  id: string;
  /** The deployment the vertex belongs to (workload ids are `<deployment>/<vertex>`). */
  deployment?: string;
  template?: string;
  classes: string[];
  properties: Record<string, JsonValue>;
  attributes?: Record<string, JsonValue>;
  status?: string;
  /** Owner host id (set by the scheduler). */
  owner?: string;
  edges: EdgeSnapshot[];
}

export interface PluginEvent {
  /** E.g. `Standard.start`, `Configure.pre_configure_source`, `floria:update`, or a custom name. */
  name: string;
  payload?: JsonValue;
}

export interface PluginCall {
  /** Registered plugin id (the Floria plugin id), e.g. `khutulun.process`. */
  plugin: string;
  /** Function name inside the plugin, e.g. `start` (handler `khutulun.process:start`). */
  fn: string;
  event: PluginEvent;
  snapshot: VertexSnapshot;
}

export type PluginCallResult =
  | { ok: true; effects: Effect[]; value?: JsonValue }
  | { ok: false; error: ErrorData };

/** What a plugin says about itself (`describe`). */
export interface PluginManifest {
  name: string;
  version?: string;
  functions: string[];
}

/** Splits a handler name `<plugin-id>:<function>` (the last `:` separates, ids may hold dots). */
export function parseHandlerName(handler: string): { plugin: string; fn: string } | undefined {
  const at = handler.lastIndexOf(':');
  if (at <= 0 || at === handler.length - 1) return undefined;
  return { plugin: handler.slice(0, at), fn: handler.slice(at + 1) };
}
