/**
 * What a plugin call returns: effects, as plain data. Plugins are pure functions of
 * (event, snapshot of the vertex and its neighbours); they never call back into the store.
 * The actor applies these effects on the owning host.
 */
import type { RuntimeIntent } from '../runtimes/workload.js';

/** A JSON-encoded Floria expression value (see store/ for the encoding). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface PropertyUpdate {
  type: 'set-property';
  /** Vertex id (string form); absent = the call-site vertex. */
  vertex?: string;
  property: string;
  value: JsonValue;
}

export interface IntentEffect {
  type: 'intent';
  intent: RuntimeIntent;
}

export interface EmitEvent {
  type: 'emit';
  event: string;
  /** Vertex id to deliver to; absent = the call-site vertex. */
  vertex?: string;
  payload?: JsonValue;
}

export interface LogEffect {
  type: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export type Effect = PropertyUpdate | IntentEffect | EmitEvent | LogEffect;
