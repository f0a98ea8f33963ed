/**
 * Runs one operation step for an actor: the plugin call (batched with other actors' calls), then
 * the plugin's effects — properties to the store, intents to the named runtime adapter. Never
 * throws: the outcome is the event the actor receives next.
 */
import { toErrorData } from '../../common/index.js';
import type { ErrorData, Logger } from '../../common/index.js';
import type { Effect, EmitEvent, JsonValue } from '../../plugins/effects.js';
import type { ObservedWorkload, WorkloadState } from '../../runtimes/workload.js';
import { ActorErrorCode } from '../errors.js';
import type { ActorEvent, Operation } from '../logic/index.js';
import type { ActorStorePort } from '../ports.js';
import type { DeploymentGraph, OperationStep } from './deployment-graph.js';
import type { PluginBatcher } from './plugin-batcher.js';
import type { RemoteSteps } from './remote-steps.js';
import type { RuntimeRegistry } from './runtime-registry.js';
import { runScriptIntent } from './script-step.js';

export interface OperationRunnerDeps {
  plugins: PluginBatcher;
  runtimes: RuntimeRegistry;
  store: ActorStorePort;
  logger: Logger;
  /** Told which actor a workload belongs to, so runtime events reach it. */
  onWorkload: (workload: string, deployment: string, vertex: string) => void;
  /** Delivers an `emit` effect (a custom event) to a vertex's owner (event-delivery.ts). */
  emit: (graph: DeploymentGraph, source: string, effect: EmitEvent) => Promise<void>;
  /** Whether this host runs the vertex (its owner, or not placed yet). */
  local: (graph: DeploymentGraph, vertex: string) => boolean;
  /** Runs a relationship step on the owner of its call site, when that is another host. */
  remote?: RemoteSteps;
}

export async function runOperationStep(
  deps: OperationRunnerDeps,
  graph: DeploymentGraph,
  vertex: string,
  op: Operation,
  index: number,
): Promise<ActorEvent> {
  const step = graph.steps(vertex, op)[index];
  if (!step) return { type: 'operation-succeeded', op, step: index }; // the handler list shrank: nothing to run
  try {
    // The target end of an edge to another host's vertex runs there, in this lifecycle's order.
    if (step.edge !== undefined && step.vertex !== vertex && deps.remote && !deps.local(graph, step.vertex)) {
      await deps.remote.request(graph, { ...step, edge: step.edge }, vertex);
      return { type: 'operation-succeeded', op, step: index };
    }
    const observed = await runStep(deps, graph, step);
    return { type: 'operation-succeeded', op, step: index, ...(observed ? { observed } : {}) };
  } catch (error) {
    return { type: 'operation-failed', op, step: index, error: withStep(toErrorData(error), step) };
  }
}

/** Runs one step here: the plugin call, then its effects. Returns the workload state observed. */
export async function runStep(deps: OperationRunnerDeps, graph: DeploymentGraph, step: OperationStep): Promise<WorkloadState | undefined> {
  const target = parseHandlerName(step.handler);
  if (!target) {
    throw failure(ActorErrorCode.badHandler, `handler ${JSON.stringify(step.handler)} of ${step.event} is not <plugin-id>:<function>`, false, 'fix the event handler in the template');
  }
  const result = await deps.plugins.call({
    plugin: target.plugin,
    fn: target.fn,
    event: { name: step.event, ...payloadOf(step) },
    snapshot: graph.snapshot(step.vertex),
  });
  if (!result.ok) throw result.error;
  let observed: WorkloadState | undefined;
  for (const effect of result.effects) {
    const state = await applyEffect(deps, graph, step, effect);
    if (state) observed = state;
  }
  return observed;
}

async function applyEffect(deps: OperationRunnerDeps, graph: DeploymentGraph, step: OperationStep, effect: Effect): Promise<WorkloadState | undefined> {
  switch (effect.type) {
    case 'set-property': {
      const vertex = effect.vertex ?? step.vertex;
      await deps.store.setProperty(graph.name, vertex, effect.property, effect.value);
      graph.noteProperty(vertex, effect.property, effect.value);
      return undefined;
    }
    case 'intent': {
      const { intent } = effect;
      if (typeof intent?.workload !== 'string' || intent.workload === '' || typeof intent.runtime !== 'string') {
        throw failure(ActorErrorCode.badIntent, `${step.handler} returned an intent without runtime or workload`, false, 'fix the plugin');
      }
      const adapter = deps.runtimes.get(intent.runtime);
      deps.onWorkload(intent.workload, graph.name, step.vertex);
      let observed: ObservedWorkload | undefined;
      switch (intent.action) {
        case 'ensure':
          if (!intent.spec) throw failure(ActorErrorCode.badIntent, `${step.handler}: an ensure intent needs a spec`, false, 'fix the plugin');
          observed = await adapter.ensure(intent.workload, intent.spec);
          return observed.state;
        case 'remove':
          await adapter.remove(intent.workload);
          return 'stopped';
        case 'observe':
          observed = await adapter.observe(intent.workload);
          return observed?.state ?? 'stopped';
        case 'exec':
          return runScriptIntent(deps, graph, step, intent);
        default:
          throw failure(ActorErrorCode.badIntent, `${step.handler}: unknown intent action ${JSON.stringify(intent.action)}`, false, 'use ensure, remove, observe or exec');
      }
    }
    case 'emit':
      await deps.emit(graph, step.vertex, effect);
      return undefined;
    case 'log':
      deps.logger.log(effect.level, effect.message, { vertex: step.vertex, event: step.event });
      return undefined;
    default:
      return undefined;
  }
}

/**
 * `<plugin-id>:<function>` (the last `:` separates). Same rule as plugins/host parseHandlerName,
 * kept here so the actor layer does not load the plugin host (jco, ~120 MB) at run time.
 */
function parseHandlerName(handler: string): { plugin: string; fn: string } | undefined {
  const at = handler.lastIndexOf(':');
  if (at <= 0 || at === handler.length - 1) return undefined;
  return { plugin: handler.slice(0, at), fn: handler.slice(at + 1) };
}

/** The event payload: the edge of a relationship step, the inputs of an imperative run. */
function payloadOf(step: OperationStep): { payload?: Record<string, JsonValue> } {
  if (step.edge === undefined && step.inputs === undefined) return {};
  return { payload: { ...(step.edge !== undefined ? { edge: step.edge } : {}), ...(step.inputs !== undefined ? { inputs: step.inputs } : {}) } };
}

function failure(code: string, message: string, retryable: boolean, hint: string): ErrorData {
  return { code, message, retryable, hint };
}

function withStep(error: ErrorData, step: OperationStep): ErrorData {
  return { ...error, details: { ...(error.details ?? {}), event: step.event, handler: step.handler, vertex: step.vertex, ...(step.edge ? { edge: step.edge } : {}) } };
}
