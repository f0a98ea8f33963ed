/**
 * Imperative runs (`khutulun run NAME [NODE] OPERATION`, workflow steps, `emit` between actors):
 * one interface operation executed on one vertex by the host that owns it, asked for through the
 * document like every other change:
 *
 *   requester (any host):  writes on the TARGET vertex   khutulun:run:<id>      = {id, operation, inputs, at}
 *   owner (sees it by sync): runs the operation's handlers (plugin calls and their effects, here)
 *                           and writes on the same vertex khutulun:run-done:<id> = {id, ok, error?, changed, host, ms}
 *   requester:              reads the outcome, then deletes both keys (it is the last to touch them, so
 *                           the delete follows the owner's write causally and a merge keeps it)
 *
 * The two keys have one writer each, so a merge never loses either. Delivery is at least once: a
 * request seen again after a restart of the owner (before its outcome was written) runs again, so
 * operations run this way must be idempotent, like every handler. Nothing here reads the store:
 * the engine hands in each freshly loaded graph.
 */
import type { ErrorData, Logger } from '../../common/index.js';
import { toErrorData } from '../../common/index.js';
import type { JsonValue } from '../../plugins/effects.js';
import { ActorErrorCode } from '../errors.js';
import type { ActorStorePort } from '../ports.js';
import type { DeploymentGraph, OperationStep } from './deployment-graph.js';

export const RUN_REQUEST_PREFIX = 'khutulun:run:';
export const RUN_DONE_PREFIX = 'khutulun:run-done:';
/** The operation name of a workflow's `set_state` activity (a colon: no interface can name it). */
export const SET_STATE = 'khutulun:set_state';

/** What a requester writes. `inputs` reach every handler as `event.payload.inputs`. */
export interface RunRequest {
  readonly id: string;
  readonly operation: string;
  readonly inputs?: Record<string, JsonValue>;
  readonly at: number;
}

/** What the owner writes back. `changed`: the properties/attributes the operation's effects set. */
export interface RunOutcome {
  readonly id: string;
  readonly ok: boolean;
  readonly error?: ErrorData;
  readonly changed: Record<string, JsonValue>;
  readonly host: string;
  readonly ms: number;
}

export interface RunRequestsOptions {
  readonly hostId: string;
  readonly store: ActorStorePort;
  readonly logger: Logger;
  readonly now: () => number;
  /** Runs one handler call here (plugin call and its effects); throws its error. */
  readonly run: (graph: DeploymentGraph, step: OperationStep) => Promise<unknown>;
  /** Why the vertex cannot take a run now (its lifecycle is mid-operation), or undefined. */
  readonly busy: (deployment: string, vertex: string) => string | undefined;
}

const SERVED_MEMORY = 4096;

/** Lifecycle interfaces are driven by the engine (deploy/update/scale/undeploy), never by `run`. */
export function isLifecycleOperation(operation: string): boolean {
  return operation.startsWith('Standard.') || operation.startsWith('Configure.');
}

export class RunRequests {
  readonly #o: RunRequestsOptions;
  readonly #served = new Set<string>();

  constructor(options: RunRequestsOptions) {
    this.#o = options;
  }

  /** Runs the requests addressed to vertexes this host runs (`local`). */
  observe(graph: DeploymentGraph, local: (vertex: string) => boolean): void {
    for (const v of graph.vertexes.values()) {
      if (!local(v.id)) continue;
      for (const [key, value] of Object.entries(v.properties)) {
        if (!key.startsWith(RUN_REQUEST_PREFIX)) continue;
        const request = parseRequest(value);
        const served = `${graph.name}|${v.id}|${key}`;
        if (!request || this.#served.has(served)) continue;
        const doneKey = `${RUN_DONE_PREFIX}${request.id}`;
        if (parseOutcome(v.properties[doneKey])?.id === request.id) continue;
        this.#remember(served);
        void this.#serve(graph, v.id, request, doneKey);
      }
    }
  }

  async #serve(graph: DeploymentGraph, vertex: string, request: RunRequest, doneKey: string): Promise<void> {
    const started = this.#o.now();
    const before = { ...(graph.vertexes.get(vertex)?.properties ?? {}) };
    let error: ErrorData | undefined;
    const handlers = graph.vertexes.get(vertex)?.handlers[request.operation] ?? [];
    const busy = this.#o.busy(graph.name, vertex);
    if (request.operation === SET_STATE) {
      // A workflow's set_state: the owner records the node's state attribute (its slice, its write).
      const state = request.inputs?.['state'];
      if (typeof state !== 'string' || state === '') {
        error = { code: ActorErrorCode.run, message: 'set_state needs a state name', retryable: false, hint: 'fix the workflow step' };
      } else {
        await this.#o.store.setProperty(graph.name, vertex, 'state', state);
        graph.noteProperty(vertex, 'state', state);
      }
    } else if (isLifecycleOperation(request.operation)) {
      error = { code: ActorErrorCode.run, message: `${request.operation} is a lifecycle operation: the engine runs it`, retryable: false, hint: 'use deploy, update, scale or undeploy' };
    } else if (handlers.length === 0) {
      error = { code: ActorErrorCode.run, message: `${vertex} has no implementation of ${request.operation}`, retryable: false, hint: 'name an operation of the node type\'s interfaces (khutulun status NAME -o json lists them)' };
    } else if (busy !== undefined) {
      error = { code: ActorErrorCode.run, message: `${vertex} is ${busy}: ${request.operation} was not run`, retryable: true, hint: 'run it again when the node has settled (khutulun status NAME)' };
    } else {
      this.#o.logger.log('info', `running ${request.operation} on ${vertex}`, { deployment: graph.name, run: request.id });
      try {
        for (const handler of handlers) {
          await this.#o.run(graph, { event: request.operation, handler, vertex, ...(request.inputs ? { inputs: request.inputs } : {}) });
        }
      } catch (e) {
        // Plain JSON for the document, without stacks (they say nothing on the other host).
        error = JSON.parse(JSON.stringify(toErrorData(e), (k, val: unknown) => (k === 'stack' ? undefined : val))) as ErrorData;
      }
    }
    const after = graph.vertexes.get(vertex)?.properties ?? {};
    const changed: Record<string, JsonValue> = {};
    for (const [k, val] of Object.entries(after)) {
      if (!k.startsWith('khutulun:') && JSON.stringify(before[k]) !== JSON.stringify(val)) changed[k] = val;
    }
    const outcome: RunOutcome = { id: request.id, ok: error === undefined, ...(error ? { error } : {}), changed, host: this.#o.hostId, ms: this.#o.now() - started };
    try {
      await this.#o.store.setProperty(graph.name, vertex, doneKey, outcome as unknown as JsonValue); // plain JSON by construction
    } catch (e) {
      // The requester times out and says which host did not answer.
      this.#o.logger.log('warn', `cannot record the outcome of ${request.operation}`, { deployment: graph.name, vertex, error: String(e) });
    }
  }

  #remember(key: string): void {
    this.#served.add(key);
    if (this.#served.size > SERVED_MEMORY) this.#served.delete(this.#served.values().next().value as string);
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function parseRequest(value: unknown): RunRequest | undefined {
  const r = record(value);
  if (!r || typeof r['id'] !== 'string' || typeof r['operation'] !== 'string') return undefined;
  const inputs = record(r['inputs']);
  return { id: r['id'], operation: r['operation'], at: typeof r['at'] === 'number' ? r['at'] : 0, ...(inputs ? { inputs: inputs as Record<string, JsonValue> } : {}) };
}

export function parseOutcome(value: unknown): RunOutcome | undefined {
  const r = record(value);
  if (!r || typeof r['id'] !== 'string' || typeof r['ok'] !== 'boolean') return undefined;
  return {
    id: r['id'],
    ok: r['ok'],
    ...(record(r['error']) ? { error: r['error'] as ErrorData } : {}),
    changed: (record(r['changed']) ?? {}) as Record<string, JsonValue>,
    host: typeof r['host'] === 'string' ? r['host'] : '',
    ms: typeof r['ms'] === 'number' ? r['ms'] : 0,
  };
}
