/**
 * Batches every write to one document made within a tick into ONE Automerge change.
 * A write that fails validation is dropped from the batch (the change is rolled back and retried
 * without it) so a refused write never leaves a trace; its promise rejects with the coded error.
 * The change message records which entity fields the change touched (history reads it).
 */
import { asKhutulunError } from '../common/index.js';
import type { Clock } from '../common/index.js';
import { storeError } from './errors.js';
import type { DocBackend } from './doc-backend.js';
import type { Touched } from './write-ops.js';

export type Op<T> = (doc: T) => Touched;

interface Pending<T> {
  op: Op<T>;
  hint: Touched;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The change message: host, ms time, touched fields per entity key. */
export interface ChangeMessage {
  h: string;
  at: number;
  t: Record<string, string[]>;
}

class Abort extends Error {}

export class WriteQueue<T> {
  readonly #backend: DocBackend<T>;
  readonly #host: string;
  readonly #clock: Clock;
  #queue: Pending<T>[] = [];
  #scheduled = false;
  #closed = false;

  constructor(backend: DocBackend<T>, host: string, clock: Clock) {
    this.#backend = backend;
    this.#host = host;
    this.#clock = clock;
  }

  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues a write; resolves once it is committed in a change. `hint` predicts the touched
   * fields so the message is right on the first try (a wrong hint costs one retry, not accuracy).
   */
  enqueue(op: Op<T>, hint: Touched = []): Promise<void> {
    if (this.#closed) return Promise.reject(storeError('KH-STORE-013', 'the store is closed', { hint: 'open the store again' }));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ op, hint, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Commits everything queued, synchronously, as one change. */
  commit(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    let batch = this.#queue;
    this.#queue = [];
    const failed = new Map<Pending<T>, unknown>();
    let message: Record<string, string[]> = {};
    for (const p of batch) addAll(message, p.hint);
    // Bounded: each retry either drops a failed op or fixes the message (then succeeds).
    let committed = batch.length === 0;
    for (let attempt = 0; attempt <= batch.length + 2 && batch.length > 0; attempt++) {
      const touchedNow: Record<string, string[]> = {};
      const failedNow: Pending<T>[] = [];
      const at = this.#clock.now();
      const text = JSON.stringify({ h: this.#host, at, t: message } satisfies ChangeMessage);
      try {
        this.#backend.change(
          (doc) => {
            for (const p of batch) {
              try {
                addAll(touchedNow, p.op(doc));
              } catch (e) {
                failed.set(p, e);
                failedNow.push(p);
              }
            }
            // Roll back and retry if an op failed (it may have mutated part-way) or the message is stale.
            if (failedNow.length > 0 || !covers(message, touchedNow)) throw new Abort();
          },
          { message: text, time: Math.floor(at / 1000) },
        );
        committed = true;
        break;
      } catch (e) {
        if (!(e instanceof Abort)) {
          const err = asKhutulunError(e, 'KH-STORE-014');
          for (const p of batch) p.reject(err);
          for (const [p, fe] of failed) if (!batch.includes(p)) p.reject(fe);
          return;
        }
        batch = batch.filter((p) => !failedNow.includes(p));
        message = {};
        for (const p of batch) addAll(message, p.hint);
        if (failedNow.length === 0) message = touchedNow;
        if (batch.length === 0) committed = true;
      }
    }
    if (!committed) {
      const err = storeError('KH-STORE-014', 'could not commit a batch of writes', { retryable: true });
      for (const p of batch) p.reject(err);
      batch = [];
    }
    for (const p of batch) p.resolve();
    for (const [p, e] of failed) p.reject(e);
  }

  /** Rejects further writes; commits what is queued. */
  close(): void {
    this.commit();
    this.#closed = true;
  }
}

function addAll(into: Record<string, string[]>, touched: Touched): void {
  for (const [key, field] of touched) {
    const list = (into[key] ??= []);
    if (!list.includes(field)) list.push(field);
  }
}

/** True when every touched field is already in the message. */
function covers(message: Record<string, string[]>, touched: Record<string, string[]>): boolean {
  for (const [k, fields] of Object.entries(touched)) {
    const m = message[k];
    if (!m || fields.some((f) => !m.includes(f))) return false;
  }
  return true;
}

export function parseChangeMessage(text: string | null | undefined): ChangeMessage | undefined {
  if (!text) return undefined;
  try {
    const m = JSON.parse(text) as ChangeMessage;
    return typeof m === 'object' && m !== null && typeof m.t === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}
