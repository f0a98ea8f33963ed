/**
 * khutulun.script — TOSCA operations implemented by script artifacts (shell, Python, Ansible). Its
 * one function `run` reads the operation from the desired state and emits a one-shot `exec`
 * intent to the host's `script` runtime, which runs it on the host or inside the workload the node
 * is hosted on. Built into a Wasm component by scripts/build-plugins.mjs.
 */
import type { JsonValue } from '../../effects.js';
import { definePlugin } from '../../sdk/define-plugin.js';
import { intent, log } from '../../sdk/effect-builders.js';
import { workloadId } from '../../sdk/read-properties.js';
import { scriptSpec } from './script-operation.js';

const edgeOf = (payload: JsonValue | undefined): string | undefined =>
  typeof payload === 'object' && payload !== null && !Array.isArray(payload) && typeof payload.edge === 'string' ? payload.edge : undefined;

/** The inputs of an imperative run (`event.payload.inputs`), which become environment variables too. */
const inputsOf = (payload: JsonValue | undefined): Record<string, JsonValue> => {
  const inputs = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload.inputs : undefined;
  return typeof inputs === 'object' && inputs !== null && !Array.isArray(inputs) ? inputs : {};
};

export const { describe, invoke } = definePlugin(
  'khutulun.script',
  {
    run: (event, vertex) => {
      const spec = scriptSpec(event.name, vertex, edgeOf(event.payload), inputsOf(event.payload));
      return [
        log('debug', `${event.name} of ${vertex.id}: ${spec.interpreter} ${spec.primary}${spec.inside ? ` inside ${spec.inside.workload}` : ''}`),
        intent({ action: 'exec', runtime: 'script', workload: workloadId(vertex), spec }),
      ];
    },
  },
  { version: '0.1.0' },
);
