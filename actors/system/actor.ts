/**
 * One impure actor per vertex: an ordered mailbox handled one event at a time, the pure transition,
 * and the effects it asks for. Many actors run in parallel; each is strictly sequential.
 */
import type { TimerHandle } from '../../common/index.js';
import { isBusy, transition } from '../logic/index.js';
import type { ActorEffect, ActorEvent, ActorState, Goal, TransitionScope } from '../logic/index.js';

/** What an actor needs from the system it lives in. */
export interface ActorHost {
  scope(actor: Actor): TransitionScope;
  /** Persists the status; resolves when durable. */
  writeStatus(actor: Actor, state: ActorState): Promise<void>;
  /** Starts an operation step; the outcome is sent back to the actor as an event. */
  runOperation(actor: Actor, effect: Extract<ActorEffect, { type: 'run-operation' }>): void;
  setTimer(fn: () => void, ms: number): TimerHandle;
  transitioned(actor: Actor, event: ActorEvent, from: ActorState, to: ActorState): void;
  failed(actor: Actor, error: unknown): void;
}

interface Waiter {
  goal: Goal | undefined;
  resolve: (state: ActorState) => void;
}

export class Actor {
  readonly deployment: string;
  readonly vertex: string;
  readonly #host: ActorHost;
  #state: ActorState;
  #queue: ActorEvent[] = [];
  #draining = false;
  #timer: TimerHandle | undefined;
  #waiters: Waiter[] = [];
  #closed = false;

  constructor(host: ActorHost, deployment: string, vertex: string, state: ActorState) {
    this.#host = host;
    this.deployment = deployment;
    this.vertex = vertex;
    this.#state = state;
  }

  get id(): string {
    return `${this.deployment}/${this.vertex}`;
  }

  get state(): ActorState {
    return this.#state;
  }

  send(event: ActorEvent): void {
    if (this.#closed) return;
    this.#queue.push(event);
    if (!this.#draining) {
      this.#draining = true;
      void this.#drain();
    }
  }

  /** Resolves when the actor rests: no operation running or pending, and the goal met or an error. */
  settled(goal?: Goal): Promise<ActorState> {
    if (this.#isSettled(goal)) return Promise.resolve(this.#state);
    return new Promise((resolve) => this.#waiters.push({ goal, resolve }));
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const w of this.#waiters) w.resolve(this.#state);
    this.#waiters = [];
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const event = this.#queue.shift()!;
        await this.#handle(event);
      }
    } catch (error) {
      this.#host.failed(this, error);
    } finally {
      this.#draining = false;
    }
  }

  async #handle(event: ActorEvent): Promise<void> {
    const from = this.#state;
    const [next, effects] = transition(from, event, this.#host.scope(this));
    this.#state = next;
    if (next !== from) this.#host.transitioned(this, event, from, next);
    for (const effect of effects) {
      switch (effect.type) {
        case 'write-status':
          // Awaited: the next operation starts only once this state survives a crash.
          await this.#host.writeStatus(this, effect.status);
          break;
        case 'run-operation':
          this.#host.runOperation(this, effect);
          break;
        case 'schedule-retry':
          this.#timer?.cancel();
          this.#timer = this.#host.setTimer(() => {
            this.#timer = undefined;
            this.send({ type: 'retry-due' });
          }, effect.delayMs);
          break;
        case 'operation-skipped':
          break;
      }
    }
    this.#notify();
  }

  #isSettled(goal: Goal | undefined): boolean {
    const s = this.#state;
    if (isBusy(s) || this.#queue.length > 0) return false;
    if (s.phase === 'error') return true;
    const wanted = goal ?? s.goal;
    if (wanted === 'deployed') return s.phase === 'started';
    if (wanted === 'undeployed') return s.phase === 'deleted' || s.phase === 'initial';
    return true;
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (this.#isSettled(w.goal)) w.resolve(this.#state);
      else keep.push(w);
    }
    this.#waiters = keep;
  }
}
