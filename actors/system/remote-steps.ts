/**
 * Relationship steps whose call site is a vertex owned by another host — the target end of an
 * edge (`Configure.pre_configure_target`, `post_configure_target`, `add_source`, `remove_source`)
 * when the target runs elsewhere — run on that vertex's owner, in the order of the source's
 * lifecycle:
 *
 *   source host: writes a request on the SOURCE vertex      khutulun:step:<edge>:<event> = {nonce, handler}
 *                and waits (its operation does not go on)
 *   target host: sees it by document sync, runs the step    (plugin call, effects on ITS runtimes)
 *                and writes the outcome on the TARGET vertex khutulun:step-done:<edge>:<event> = {nonce, ok, error}
 *   source host: sees the outcome, the operation goes on    (or fails with the target's error)
 *
 * One writer per key (each host writes only on the vertex it owns), so the two sides never
 * conflict in a merge. Delivery is at least once: a request re-sent after a restart or a timeout
 * has a new nonce and runs again, so relationship handlers must be idempotent (like every
 * handler). Nothing here reads the store: the engine hands in each freshly loaded graph.
 */
import type { Clock, ErrorData, Logger, TimerHandle } from '../../common/index.js';
import { toErrorData } from '../../common/index.js';
import { ActorErrorCode } from '../errors.js';
import type { JsonValue } from '../../plugins/effects.js';
import type { ActorStorePort } from '../ports.js';
import type { DeploymentGraph, OperationStep } from './deployment-graph.js';

export const STEP_REQUEST_PREFIX = 'khutulun:step:';
export const STEP_DONE_PREFIX = 'khutulun:step-done:';

/** The relationship events whose call site is the edge's target. */
export const TARGET_EVENTS: ReadonlySet<string> = new Set([
  'Configure.pre_configure_target',
  'Configure.post_configure_target',
  'Configure.add_source',
  'Configure.remove_source',
]);

interface StepRequest {
  nonce: string;
  handler: string;
}

interface StepOutcome {
  nonce: string;
  ok: boolean;
  error?: ErrorData;
}

interface Waiter {
  readonly deployment: string;
  readonly source: string;
  readonly target: string;
  readonly doneKey: string;
  readonly nonce: string;
  readonly settle: (error?: ErrorData) => void;
}

export interface RemoteStepsOptions {
  readonly hostId: string;
  readonly store: ActorStorePort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs a step here (plugin call and effects); throws its error. */
  readonly run: (graph: DeploymentGraph, step: OperationStep) => Promise<unknown>;
  /** How long a source waits for the target's owner before the step fails (retryable). */
  readonly timeoutMs?: number;
}

const SERVED_MEMORY = 4096;

export class RemoteSteps {
  readonly #o: RemoteStepsOptions;
  readonly #waiting = new Map<string, Waiter>();
  /** Nonces run (or running) here: a graph loaded before our outcome was written must not re-run them. */
  readonly #served = new Set<string>();
  #counter = 0;

  constructor(options: RemoteStepsOptions) {
    this.#o = options;
  }

  /**
   * Source side: asks the owner of `step.vertex` to run the step; resolves once it did, rejects
   * with its error (or a retryable timeout when no outcome arrives in time).
   */
  request(graph: DeploymentGraph, step: OperationStep & { edge: string }, source: string): Promise<void> {
    const key = `${step.edge}:${step.event}`;
    const nonce = `${this.#o.hostId}.${this.#o.clock.now()}.${++this.#counter}`;
    const id = `${graph.name}|${source}|${key}`;
    this.#waiting.get(id)?.settle(cancelled(step)); // a step re-run after a restart replaces the old wait
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.#o.timeoutMs ?? 30_000;
      const settle = (error?: ErrorData): void => {
        if (this.#waiting.get(id)?.nonce !== nonce) return;
        this.#waiting.delete(id);
        timer.cancel();
        if (error) reject(error);
        else resolve();
      };
      // Settled only from later turns (sync, a timer, cancel), so `timer` is set by then.
      const timer: TimerHandle = this.#o.clock.setTimeout(() => settle(timedOut(step, graph, timeoutMs)), timeoutMs);
      this.#waiting.set(id, { deployment: graph.name, source, target: step.vertex, doneKey: `${STEP_DONE_PREFIX}${key}`, nonce, settle });
      const request: StepRequest = { nonce, handler: step.handler };
      this.#o.store.setProperty(graph.name, source, `${STEP_REQUEST_PREFIX}${key}`, { ...request }).catch((e: unknown) => settle(toErrorData(e)));
      this.#o.logger.log('debug', `asking the owner of ${step.vertex} to run ${step.event}`, { deployment: graph.name, edge: step.edge, nonce });
    });
  }

  /**
   * Called with every freshly loaded graph of a deployment: settles the waits whose outcome
   * arrived, and runs the requests addressed to vertexes this host runs (`local`).
   */
  observe(graph: DeploymentGraph, local: (vertex: string) => boolean): void {
    for (const w of this.#waiting.values()) {
      if (w.deployment !== graph.name) continue;
      const outcome = parse<StepOutcome>(graph.vertexes.get(w.target)?.properties[w.doneKey]);
      if (outcome?.nonce === w.nonce) w.settle(outcome.ok ? undefined : (outcome.error ?? { code: ActorErrorCode.remoteStep, message: 'the remote step failed', retryable: true }));
    }
    for (const e of graph.edges.values()) {
      if (!local(e.target)) continue;
      const source = graph.vertexes.get(e.source);
      if (!source) continue;
      for (const event of TARGET_EVENTS) {
        const key = `${e.id}:${event}`;
        const request = parse<StepRequest>(source.properties[`${STEP_REQUEST_PREFIX}${key}`]);
        if (!request || typeof request.nonce !== 'string' || this.#served.has(request.nonce)) continue;
        const doneKey = `${STEP_DONE_PREFIX}${key}`;
        if (parse<StepOutcome>(graph.vertexes.get(e.target)?.properties[doneKey])?.nonce === request.nonce) continue;
        this.#remember(request.nonce);
        void this.#serve(graph, { event, handler: request.handler, vertex: e.target, edge: e.id }, doneKey, request.nonce, e.handlers[event] ?? []);
      }
    }
  }

  /** Fails every wait of a deployment's vertex (its actor was dropped or the host closes). */
  cancel(deployment?: string, source?: string): void {
    for (const w of [...this.#waiting.values()]) {
      if ((deployment === undefined || w.deployment === deployment) && (source === undefined || w.source === source)) {
        w.settle({ code: ActorErrorCode.remoteStep, message: `the wait for ${w.target} was cancelled`, retryable: true });
      }
    }
  }

  get pending(): number {
    return this.#waiting.size;
  }

  async #serve(graph: DeploymentGraph, step: OperationStep, doneKey: string, nonce: string, allowed: readonly string[]): Promise<void> {
    let outcome: StepOutcome;
    if (!allowed.includes(step.handler)) {
      // Only the edge's own handlers run: a request cannot name an arbitrary function.
      outcome = {
        nonce,
        ok: false,
        error: { code: ActorErrorCode.remoteStep, message: `${step.handler} is not a handler of ${step.event} on edge ${step.edge}`, retryable: false, hint: 'redeploy: the template changed under a running request' },
      };
    } else {
      this.#o.logger.log('debug', `running ${step.event} for a source on another host`, { deployment: graph.name, edge: step.edge, nonce });
      try {
        await this.#o.run(graph, step);
        outcome = { nonce, ok: true };
      } catch (error) {
        // Plain JSON for the document, without stacks (they say nothing on the other host).
        outcome = { nonce, ok: false, error: JSON.parse(JSON.stringify(toErrorData(error), (k, v: unknown) => (k === 'stack' ? undefined : v))) as ErrorData };
      }
    }
    try {
      await this.#o.store.setProperty(graph.name, step.vertex, doneKey, outcome as unknown as JsonValue); // plain JSON by construction
    } catch (error) {
      // The source times out and asks again (a new nonce).
      this.#o.logger.log('warn', 'cannot record the outcome of a relationship step', { deployment: graph.name, edge: step.edge, error: String(error) });
    }
  }

  #remember(nonce: string): void {
    this.#served.add(nonce);
    if (this.#served.size > SERVED_MEMORY) this.#served.delete(this.#served.values().next().value as string);
  }
}

function parse<T>(value: unknown): T | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
}

function timedOut(step: OperationStep, graph: DeploymentGraph, ms: number): ErrorData {
  const owner = graph.vertexes.get(step.vertex)?.owner ?? 'its owner';
  return {
    code: ActorErrorCode.remoteStep,
    message: `host ${owner} did not run ${step.event} of ${step.edge ?? ''} for ${step.vertex} within ${ms} ms`,
    retryable: true,
    hint: `check that host ${owner} is connected (khutulun hosts); the step is asked again on retry`,
  };
}

function cancelled(step: OperationStep): ErrorData {
  return { code: ActorErrorCode.remoteStep, message: `${step.event} for ${step.vertex} was asked again`, retryable: true };
}
