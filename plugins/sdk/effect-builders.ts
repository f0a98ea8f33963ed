/**
 * Small constructors for the effects a plugin returns. Pure and dependency-free: they are bundled
 * into every plugin component.
 */
import type { EmitEvent, IntentEffect, LogEffect, PropertyUpdate, JsonValue } from '../effects.js';
import type { RuntimeIntent, WorkloadId, WorkloadSpec } from '../../runtimes/workload.js';

/** Sets a property (or attribute) on the call-site vertex, or on `vertex` when given. */
export function setProperty(property: string, value: JsonValue, vertex?: string): PropertyUpdate {
  return vertex === undefined ? { type: 'set-property', property, value } : { type: 'set-property', vertex, property, value };
}

export function intent(intent: RuntimeIntent): IntentEffect {
  return { type: 'intent', intent };
}

/** Asks runtime `runtime` to make workload `workload` exist and run as `spec`. */
export function ensure(runtime: string, workload: WorkloadId, spec: WorkloadSpec): IntentEffect {
  return intent({ action: 'ensure', runtime, workload, spec });
}

/** Asks runtime `runtime` to stop and remove workload `workload`. */
export function remove(runtime: string, workload: WorkloadId): IntentEffect {
  return intent({ action: 'remove', runtime, workload });
}

/** Asks runtime `runtime` to report the state of workload `workload`. */
export function observe(runtime: string, workload: WorkloadId): IntentEffect {
  return intent({ action: 'observe', runtime, workload });
}

/** Raises event `event` on the call-site vertex, or on `vertex`. */
export function emit(event: string, payload?: JsonValue, vertex?: string): EmitEvent {
  return {
    type: 'emit',
    event,
    ...(payload !== undefined ? { payload } : {}),
    ...(vertex !== undefined ? { vertex } : {}),
  };
}

export function log(level: LogEffect['level'], message: string): LogEffect {
  return { type: 'log', level, message };
}
