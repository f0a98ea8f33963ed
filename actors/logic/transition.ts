/**
 * The pure actor logic: `transition(state, event, scope) -> [next, effects]`.
 * No clock, no randomness and no I/O here: time and random draws come from `scope`.
 *
 * Invariants (property-tested in test/unit/actors/transition.property.test.ts):
 * - at most one operation step is in flight; a new one starts only after the last one ended;
 * - operations follow the lifecycle order (create -> configure -> start; stop -> delete);
 * - every change of state is persisted (write-status) before the next operation starts.
 */
import type { ErrorData } from '../../common/index.js';
import type { ActorEffect } from './actor-effect.js';
import type { ActorEvent } from './actor-event.js';
import { CRASH_WINDOW_MS, isStale } from './actor-state.js';
import type { ActorState, InFlight } from './actor-state.js';
import { BUSY_PHASE, DONE_PHASE, nextOperation } from './lifecycle.js';
import type { Goal, Operation } from './lifecycle.js';
import { backoffDelay } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';

export interface TransitionScope {
  /** Current time (ms), read from the injected Clock by the caller. */
  now: number;
  /** A draw in [0,1) from the injected Random (backoff jitter). */
  random: () => number;
  /** How many steps (handler calls) `op` has for this vertex; 0 = nothing to run, success. */
  stepsOf: (op: Operation) => number;
  retry: RetryPolicy;
  /** How many times a workload the runtime reports dead is restarted before the actor errors. */
  maxRestarts: number;
}

export type TransitionResult = [ActorState, ActorEffect[]];

const DEAD: ReadonlySet<string> = new Set(['exited', 'failed', 'stopped']);

export function transition(state: ActorState, event: ActorEvent, scope: TransitionScope): TransitionResult {
  switch (event.type) {
    case 'deploy':
    case 'undeploy': {
      const goal = event.type === 'deploy' ? 'deployed' : 'undeployed';
      const want = event.type === 'deploy' && event.generation !== undefined ? Math.max(event.generation, state.want ?? 0) : state.want;
      // A new spec generation starts a fresh failure count: the old crashes were another spec's.
      const fresh = want !== undefined && want > (state.want ?? 0) ? { crash: undefined } : {};
      const withGoal: ActorState = { ...state, ...fresh, goal, ...(want !== undefined ? { want } : {}) };
      // An operation in flight or waiting for retry finishes first; the goal steers what follows.
      if (state.inFlight || state.retry) return changed(withGoal, []);
      if (state.phase === 'error') {
        // A new goal is an explicit request: clear the error and go on from the last stable phase.
        return advance(clearError(withGoal, `${event.type} requested after error`, scope), scope, []);
      }
      return advance(withGoal, scope, []);
    }
    case 'operation-succeeded': {
      if (!matches(state.inFlight, event.op, event.step)) return [state, []]; // stale: ignore
      const observed = event.observed ?? state.observed;
      const nextStep = event.step + 1;
      if (nextStep < scope.stepsOf(event.op)) {
        return runStep({ ...state, observed }, { op: event.op, step: nextStep, attempt: 1 }, `${event.op} step ${event.step} done`, scope);
      }
      const done = DONE_PHASE[event.op];
      const cleared: Array<keyof ActorState> = event.op === 'delete' ? ['mayExist', 'mayRun'] : event.op === 'stop' ? ['mayRun'] : [];
      const next: ActorState = {
        ...omit(state, 'inFlight', 'error', ...cleared),
        phase: done,
        stable: done,
        observed,
        reason: `${event.op} succeeded`,
        at: scope.now,
        // The workload now runs the spec it was asked for (Day 2: the update is applied).
        ...(event.op === 'start' && state.want !== undefined ? { generation: state.want } : {}),
      };
      return advance(next, scope, []);
    }
    case 'operation-failed': {
      if (!matches(state.inFlight, event.op, event.step)) return [state, []];
      const attempt = state.inFlight!.attempt;
      if (event.error.retryable && attempt < scope.retry.maxAttempts) {
        const delayMs = backoffDelay(scope.retry, attempt, scope.random());
        const next: ActorState = {
          ...omit(state, 'inFlight'),
          retry: { op: event.op, step: event.step, attempt: attempt + 1 },
          reason: `${event.op} failed (${event.error.code}), retry ${attempt + 1}/${scope.retry.maxAttempts} in ${delayMs} ms`,
          at: scope.now,
          error: event.error,
        };
        return changed(next, [{ type: 'schedule-retry', delayMs }]);
      }
      return toError(omit(state, 'inFlight'), `${event.op} failed: ${event.error.message}`, event.error, scope);
    }
    case 'retry-due': {
      if (!state.retry || state.inFlight) return [state, []];
      const retry = state.retry;
      if (retry.step >= scope.stepsOf(retry.op)) return advance(omit(state, 'retry'), scope, []); // handler gone
      return runStep(omit(state, 'retry'), retry, `retrying ${retry.op} (attempt ${retry.attempt})`, scope);
    }
    case 'runtime-observed':
      return observe(state, event.state, event.cause, scope);
    case 'restart': {
      if (state.inFlight || state.retry) return [state, []];
      return advance(clearError(state, 'restart requested', scope), scope, []);
    }
    case 'resumed': {
      // The operation that was in flight when the host died did not report back: run it again
      // (runtime intents are idempotent). A pending retry is rescheduled from scratch.
      if (state.inFlight && state.inFlight.step >= scope.stepsOf(state.inFlight.op)) {
        return advance(omit(state, 'inFlight'), scope, []); // the graph lost that handler meanwhile
      }
      if (state.inFlight) return runStep(state, state.inFlight, `resumed ${state.inFlight.op} after restart`, scope);
      if (state.retry) {
        const delayMs = backoffDelay(scope.retry, state.retry.attempt - 1, scope.random());
        return [state, [{ type: 'schedule-retry', delayMs }]];
      }
      if (state.phase === 'error') return [state, []];
      return advance(state, scope, []);
    }
  }
}

/** Starts the next operation towards the goal, or settles (persisting) when the goal is met. */
function advance(state: ActorState, scope: TransitionScope, effects: ActorEffect[]): TransitionResult {
  const goal = state.goal;
  if (!goal || state.phase === 'error') return changed(state, effects);
  // Bounded: each loop iteration moves one stable phase forward along a 3-step path.
  for (let guard = 0; guard < 8; guard++) {
    const op = nextOp(state, goal);
    if (op === undefined) {
      return changed({ ...state, phase: state.stable }, effects);
    }
    if (scope.stepsOf(op) > 0) {
      return runStep(state, { op, step: 0, attempt: 1 }, `${op} started`, scope, effects);
    }
    // No handler for this operation: nothing to do, success.
    const done = DONE_PHASE[op];
    const cleared: Array<keyof ActorState> = op === 'delete' ? ['mayExist', 'mayRun'] : op === 'stop' ? ['mayRun'] : [];
    const applied = op === 'start' && state.want !== undefined ? { generation: state.want } : {};
    state = { ...omit(state, ...cleared), ...applied, phase: done, stable: done, reason: `${op}: no handler, nothing to do`, at: scope.now };
    effects = [...effects, { type: 'operation-skipped', op }];
  }
  return toError(state, 'lifecycle did not converge', internal('KH-ACTOR-001', 'lifecycle did not converge'), scope);
}

/** The next operation towards the goal; undeploy also cleans up what may half exist. */
function nextOp(state: ActorState, goal: Goal): Operation | undefined {
  // Day 2: a started workload with an older spec generation is configured and started again.
  if (goal === 'deployed' && state.stable === 'started' && isStale(state)) return 'configure';
  const op = nextOperation(state.stable, goal);
  if (goal === 'deployed' || op === 'stop') return op;
  if (state.mayRun) return 'stop';
  return op ?? (state.mayExist ? 'delete' : undefined);
}

function runStep(state: ActorState, step: InFlight, reason: string, scope: TransitionScope, effects: ActorEffect[] = []): TransitionResult {
  // Marked before the operation runs (and persisted with it): it may half happen.
  const marks: Partial<ActorState> = step.op === 'create' ? { mayExist: true } : step.op === 'start' ? { mayRun: true } : {};
  const next: ActorState = { ...omit(state, 'retry'), ...marks, phase: BUSY_PHASE[step.op], inFlight: step, reason, at: scope.now };
  return [next, [...effects, { type: 'write-status', status: next }, { type: 'run-operation', op: step.op, step: step.step, attempt: step.attempt }]];
}

function observe(state: ActorState, observed: ActorState['observed'] & string, cause: ErrorData | undefined, scope: TransitionScope): TransitionResult {
  let recorded: ActorState = { ...state, observed };
  // A failure the runtime handles itself (its restart policy: the workload is `starting` again)
  // is still a failure: counted, so a crash loop shows as `failing` with its last error.
  if (cause && (state.phase === 'started' || state.phase === 'error') && observed !== 'running' && observed !== 'stopping' && observed !== 'stopped') {
    const c = state.crash;
    const count = c && scope.now - c.at < CRASH_WINDOW_MS ? c.count + 1 : 1;
    recorded = { ...recorded, crash: { count, at: scope.now, last: cause } };
    if (!state.inFlight && !state.retry && !DEAD.has(observed)) return changed(recorded, []);
  }
  // The running operation decides, and its outcome is persisted with the observation: no write
  // here (runtimes report `running` from inside ensure, so this saves one write per start).
  if (state.inFlight || state.retry) return [recorded, []];
  if (state.phase === 'started' && DEAD.has(observed)) {
    const error = cause ?? internal('KH-ACTOR-002', `the runtime reports the workload ${observed}`, true);
    // Supervision: the workload died under us; run start again with backoff, up to maxRestarts.
    if (state.goal === 'deployed' && state.restarts < scope.maxRestarts) {
      const delayMs = backoffDelay(scope.retry, state.restarts + 1, scope.random());
      const next: ActorState = {
        ...recorded,
        phase: 'configured',
        stable: 'configured',
        retry: { op: 'start', step: 0, attempt: 1 },
        restarts: state.restarts + 1,
        reason: `runtime reports ${observed}; restart ${state.restarts + 1}/${scope.maxRestarts} in ${delayMs} ms`,
        at: scope.now,
        error,
      };
      // A start with no handlers has nothing to retry: it is just marked started again on retry-due.
      return changed(next, [{ type: 'schedule-retry', delayMs }]);
    }
    return toError({ ...recorded, stable: 'configured' }, `runtime reports the workload ${observed}`, error, scope);
  }
  if (state.phase === 'error' && state.stable === 'configured' && observed === 'running') {
    // The runtime brought it back by itself (its own restart policy): consistent again.
    return changed({ ...omit(recorded, 'error'), phase: 'started', stable: 'started', reason: 'runtime reports running again', at: scope.now }, []);
  }
  return changed(recorded, []);
}

function toError(state: ActorState, reason: string, error: ErrorData, scope: TransitionScope): TransitionResult {
  const next: ActorState = { ...omit(state, 'inFlight', 'retry'), phase: 'error', reason, at: scope.now, error };
  return changed(next, []);
}

function clearError(state: ActorState, reason: string, scope: TransitionScope): ActorState {
  // `started` is only true while the runtime agrees: a workload that died meanwhile starts again.
  const stable = state.stable === 'started' && state.observed !== undefined && DEAD.has(state.observed) ? 'configured' : state.stable;
  return { ...omit(state, 'error', 'crash'), phase: stable, stable, restarts: 0, reason, at: scope.now };
}

/** Every state change is persisted; the write is the last effect unless an operation follows. */
function changed(state: ActorState, effects: ActorEffect[]): TransitionResult {
  return [state, [{ type: 'write-status', status: state }, ...effects]];
}

function matches(inFlight: InFlight | undefined, op: Operation, step: number): boolean {
  return inFlight !== undefined && inFlight.op === op && inFlight.step === step;
}

/**
 * Clears optional fields. They are set to undefined rather than deleted: `delete` would turn the
 * state into a slow dictionary-mode object on a hot path (JSON drops undefined fields anyway).
 */
function omit<K extends keyof ActorState>(state: ActorState, ...keys: K[]): ActorState {
  const copy = { ...state };
  for (const k of keys) (copy as Record<K, undefined>)[k] = undefined;
  return copy;
}

function internal(code: string, message: string, retryable = false): ErrorData {
  return { code, message, retryable };
}
