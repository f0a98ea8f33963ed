/** Service outputs: re-evaluated on read (they usually depend on attributes the runtimes fill in). */
import type { Deployment, Json } from '../../store/index.js';
import { toJson } from '../../store/index.js';
import { attachToscaFunctions } from './instantiate.js';

export interface OutputsResult {
  readonly outputs: Record<string, Json>;
  /** Outputs that could not be computed (yet), with why. */
  readonly pending: Record<string, string>;
}

export async function readOutputs(d: Deployment): Promise<OutputsResult> {
  attachToscaFunctions(d);
  const service = d.require('vertex', d.serviceVertex);
  const errors = await d.updateProperties(service.id);
  const fresh = d.require('vertex', d.serviceVertex);
  const outputs: Record<string, Json> = {};
  const pending: Record<string, string> = {};
  for (const [name, p] of Object.entries(fresh.properties)) {
    if (!name.startsWith('output:')) continue;
    const key = name.slice('output:'.length);
    if (p.value !== undefined) outputs[key] = toJson(p.value);
    else outputs[key] = null;
  }
  for (const e of errors) {
    const m = /output:([^"\s]+)/.exec(e.message);
    pending[m?.[1] ?? e.code] = e.message;
  }
  return { outputs, pending };
}
