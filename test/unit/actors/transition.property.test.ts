/**
 * Property tests of the pure actor logic against a model runtime: random goals, operation
 * failures (retryable or not), workload crashes and host restarts (state restored from the last
 * persisted status, in-flight work lost).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, initialActorState, transition } from '../../../actors/logic/index.js';
import type { ActorEffect, ActorEvent, ActorState, Operation, TransitionScope } from '../../../actors/logic/index.js';

type Cmd =
  | { t: 'deploy' }
  | { t: 'undeploy' }
  | { t: 'complete'; outcome: 'ok' | 'retryable' | 'fatal' }
  | { t: 'fire-retry' }
  | { t: 'crash-workload' }
  | { t: 'host-restart'; effectHappened: boolean }
  | { t: 'restart' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant<Cmd>({ t: 'deploy' }),
  fc.constant<Cmd>({ t: 'undeploy' }),
  fc.constantFrom<Cmd>({ t: 'complete', outcome: 'ok' }, { t: 'complete', outcome: 'ok' }, { t: 'complete', outcome: 'retryable' }, { t: 'complete', outcome: 'fatal' }),
  fc.constant<Cmd>({ t: 'fire-retry' }),
  fc.constant<Cmd>({ t: 'crash-workload' }),
  fc.boolean().map<Cmd>((effectHappened) => ({ t: 'host-restart', effectHappened })),
  fc.constant<Cmd>({ t: 'restart' }),
);

interface Model {
  state: ActorState;
  persisted: ActorState;
  exists: boolean;
  running: boolean;
  /** Operations completed since the last delete (what later operations require). */
  done: Set<Operation>;
  attempted: Set<Operation>;
  outstanding?: { op: Operation; step: number };
  retryPending: boolean;
  /** After a host restart the in-flight step may run a second time (idempotent). */
  rerunAllowed?: Operation;
  now: number;
  violations: string[];
}

const REQUIRES: Record<Operation, Operation | undefined> = { create: undefined, configure: 'create', start: 'configure', stop: 'start', delete: 'create' };

function run(stepCounts: Record<Operation, number>, cmds: Cmd[], finalGoal: 'deploy' | 'undeploy', seed: number): Model {
  let r = seed;
  const scope = (m: Model): TransitionScope => ({
    now: m.now,
    random: () => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648),
    stepsOf: (op) => stepCounts[op],
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 },
    maxRestarts: 2,
  });
  const m: Model = { state: initialActorState(0), persisted: initialActorState(0), exists: false, running: false, done: new Set(), attempted: new Set(), retryPending: false, now: 0, violations: [] };

  const apply = (effects: ActorEffect[]): void => {
    for (const e of effects) {
      if (e.type === 'write-status') m.persisted = e.status;
      else if (e.type === 'schedule-retry') m.retryPending = true;
      else if (e.type === 'operation-skipped') runtimeEffect(e.op, -1);
      else {
        if (m.outstanding) m.violations.push(`two operations at once: ${m.outstanding.op} and ${e.op}`);
        const req = REQUIRES[e.op];
        // Going up needs the predecessor done; cleaning up (stop, delete) only needs it attempted.
        const cleanup = e.op === 'stop' || e.op === 'delete';
        if (e.step === 0 && req && m.rerunAllowed !== e.op && !m.done.has(req) && !(cleanup && m.attempted.has(req))) m.violations.push(`${e.op} ran before ${req}`);
        m.attempted.add(e.op);
        if (e.step === 0 && e.op === 'create' && m.exists && m.rerunAllowed !== 'create') m.violations.push('create ran twice');
        m.outstanding = { op: e.op, step: e.step };
      }
    }
  };
  const send = (event: ActorEvent): void => {
    m.now += 10;
    const [next, effects] = transition(m.state, event, scope(m));
    m.state = next;
    apply(effects);
  };
  const runtimeEffect = (op: Operation, step: number): void => {
    if (step !== -1 && step !== stepCounts[op] - 1) return; // the operation takes effect with its last step
    if (op === 'create') m.exists = true;
    if (op === 'start') m.running = true;
    if (op === 'stop') m.running = false;
    if (op === 'delete') {
      m.exists = false;
      m.running = false;
      m.done.clear();
      m.attempted.clear();
      return;
    }
    m.done.add(op);
  };
  const complete = (outcome: 'ok' | 'retryable' | 'fatal'): void => {
    const o = m.outstanding;
    if (!o) return;
    m.outstanding = undefined;
    if (outcome === 'ok') {
      m.rerunAllowed = undefined; // a failed re-run is retried: still the same idempotent step
      runtimeEffect(o.op, o.step);
      send({ type: 'operation-succeeded', op: o.op, step: o.step, observed: m.running ? 'running' : 'stopped' });
    } else {
      send({ type: 'operation-failed', op: o.op, step: o.step, error: { code: 'KH-TEST', message: 'boom', retryable: outcome === 'retryable' } });
    }
  };

  for (const c of cmds) {
    switch (c.t) {
      case 'deploy':
      case 'undeploy':
      case 'restart':
        send({ type: c.t });
        break;
      case 'complete':
        complete(c.outcome);
        break;
      case 'fire-retry':
        if (m.retryPending) {
          m.retryPending = false;
          send({ type: 'retry-due' });
        }
        break;
      case 'crash-workload':
        if (m.running) {
          m.running = false;
          send({ type: 'runtime-observed', state: 'exited' });
        }
        break;
      case 'host-restart': {
        const o = m.outstanding;
        if (o && c.effectHappened) runtimeEffect(o.op, o.step);
        m.outstanding = undefined;
        m.retryPending = false;
        m.rerunAllowed = o?.op ?? m.rerunAllowed;
        m.state = m.persisted;
        send({ type: 'resumed' });
        break;
      }
    }
  }
  // Quiesce: the final goal, then let every operation succeed and every retry fire (bounded).
  send({ type: finalGoal });
  for (let i = 0; i < 200 && (m.outstanding || m.retryPending); i++) {
    if (m.outstanding) complete('ok');
    else {
      m.retryPending = false;
      send({ type: 'retry-due' });
    }
  }
  if (m.outstanding || m.retryPending) m.violations.push('did not quiesce');
  return m;
}

const steps = fc.record({ create: fc.nat(2), configure: fc.nat(2), start: fc.nat(2), stop: fc.nat(2), delete: fc.nat(2) });

describe('actor logic (property)', () => {
  it('never runs two operations at once, never skips a predecessor, ends consistent with the runtime', () => {
    fc.assert(
      fc.property(steps, fc.array(cmd, { maxLength: 60 }), fc.constantFrom<'deploy' | 'undeploy'>('deploy', 'undeploy'), fc.nat(), (counts, cmds, goal, seed) => {
        const m = run(counts, cmds, goal, seed);
        expect(m.violations).toEqual([]);
        const { phase } = m.state;
        // Consistent with the runtime: started means running, running means started (or an error).
        if (phase === 'started') expect(m.running || counts.start === 0).toBe(true);
        if (m.running) expect(['started', 'error']).toContain(phase);
        // The goal is met unless the actor reports an error with its cause.
        if (phase === 'error') expect(m.state.error).toBeDefined();
        else expect(phase).toBe(goal === 'deploy' ? 'started' : m.state.stable === 'initial' ? 'initial' : 'deleted');
        if (goal === 'undeploy' && phase !== 'error') expect(m.exists && counts.delete > 0).toBe(false);
        // The persisted status always equals the live state once quiet (restart-safe).
        expect(m.persisted).toEqual(m.state);
      }),
      { numRuns: 1000 },
    );
  });

  // Named reproducers of bugs the property found (kept as plain tests).
  it('regression: a workload that died while the actor was in error is started again on deploy', () => {
    const counts = { create: 0, configure: 0, start: 1, stop: 1, delete: 0 };
    const cmds: Cmd[] = [{ t: 'deploy' }, { t: 'complete', outcome: 'ok' }, { t: 'undeploy' }, { t: 'complete', outcome: 'fatal' }, { t: 'crash-workload' }];
    const m = run(counts, cmds, 'deploy', 0);
    expect(m.violations).toEqual([]);
    expect(m.state.phase).toBe('started');
    expect(m.running).toBe(true);
  });

  it('regression: undeploy after a create that failed after half happening deletes it (no orphan)', () => {
    const counts = { create: 1, configure: 0, start: 0, stop: 0, delete: 1 };
    const m = run(counts, [{ t: 'deploy' }, { t: 'host-restart', effectHappened: true }, { t: 'complete', outcome: 'fatal' }], 'undeploy', 0);
    expect(m.violations).toEqual([]);
    expect(m.exists).toBe(false);
  });

  it('an error is always reached through a failure with its cause, and restart clears it', () => {
    const counts = { create: 1, configure: 1, start: 1, stop: 1, delete: 1 };
    const m = run(counts, [{ t: 'deploy' }, { t: 'complete', outcome: 'fatal' }], 'deploy', 1);
    // The final deploy cleared the error and reran create, which then succeeded.
    expect(m.state.phase).toBe('started');
    const [errored] = transition(
      { ...initialActorState(0), phase: 'creating', inFlight: { op: 'create', step: 0, attempt: 1 }, goal: 'deployed' },
      { type: 'operation-failed', op: 'create', step: 0, error: { code: 'KH-X', message: 'no', retryable: false } },
      { now: 5, random: () => 0, stepsOf: () => 1, retry: DEFAULT_RETRY_POLICY, maxRestarts: 0 },
    );
    expect(errored.phase).toBe('error');
    expect(errored.error?.code).toBe('KH-X');
    expect(errored.at).toBe(5);
  });
});
