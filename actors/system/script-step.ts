/**
 * The `exec` intent: a one-shot script run (TOSCA operations implemented by script artifacts) by
 * the host's `script` runtime — on the host, or inside the workload of the runtime the spec names.
 * Its outputs are written back to the vertex: every output as `khutulun:output:<operation>:<name>`
 * (what get_operation_output reads) and, through the operation's `outputs` mapping, to attributes.
 */
import type { RuntimeAdapter } from '../../runtimes/runtime-adapter.js';
import type { RuntimeIntent, ScriptSpec, WorkloadId } from '../../runtimes/workload.js';
import { ActorErrorCode, actorError } from '../errors.js';
import type { DeploymentGraph, OperationStep } from './deployment-graph.js';
import type { OperationRunnerDeps } from './operation-runner.js';

interface ScriptRunner extends RuntimeAdapter {
  run(id: WorkloadId, spec: ScriptSpec, options?: { inside?: { adapter: RuntimeAdapter; workload: WorkloadId } }): Promise<{ outputs: Record<string, string>; badOutputLines: string[] }>;
}

function isScriptRunner(adapter: RuntimeAdapter): adapter is ScriptRunner {
  return typeof (adapter as Partial<ScriptRunner>).run === 'function';
}

/** The property an output of an operation is kept in (tosca:get_operation_output reads it). */
export function operationOutputProperty(operation: string, name: string): string {
  return `khutulun:output:${operation}:${name}`;
}

export async function runScriptIntent(deps: OperationRunnerDeps, graph: DeploymentGraph, step: OperationStep, intent: RuntimeIntent): Promise<undefined> {
  const spec = intent.spec as ScriptSpec | undefined;
  if (spec?.kind !== 'script') throw actorError(ActorErrorCode.badIntent, `${step.handler}: an exec intent needs a script spec`, { hint: 'fix the plugin' });
  const runner = deps.runtimes.get(intent.runtime);
  if (!isScriptRunner(runner)) {
    throw actorError(ActorErrorCode.badIntent, `${step.handler}: the ${intent.runtime} runtime does not run one-shot scripts`, { hint: 'exec intents go to the script runtime' });
  }
  const inside = spec.inside ? { adapter: deps.runtimes.get(spec.inside.runtime), workload: spec.inside.workload } : undefined;
  const result = await runner.run(intent.workload, spec, inside ? { inside } : {});
  for (const line of result.badOutputLines) {
    deps.logger.log('warn', `${spec.operation} of ${step.vertex}: ignored output line ${JSON.stringify(line.slice(0, 200))} (not name=value)`, { vertex: step.vertex, event: step.event });
  }
  for (const [name, value] of Object.entries(result.outputs)) {
    const writes: Array<[string, string]> = [[operationOutputProperty(spec.operation, name), value]];
    const attribute = spec.outputs?.[name];
    if (attribute !== undefined) writes.push([attribute, value]);
    for (const [property, v] of writes) {
      await deps.store.setProperty(graph.name, step.vertex, property, v);
      graph.noteProperty(step.vertex, property, v);
    }
  }
  for (const name of Object.keys(spec.outputs ?? {})) {
    if (!(name in result.outputs)) deps.logger.log('warn', `${spec.operation} of ${step.vertex} did not write its output ${name}`, { vertex: step.vertex, event: step.event });
  }
  return undefined;
}
