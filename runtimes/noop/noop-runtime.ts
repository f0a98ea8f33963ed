/**
 * A RuntimeAdapter that runs nothing: it records every intent (in memory, and optionally appended
 * to a JSON-lines journal, fsync'd, so a restarted process can see what ran before it died).
 * For tests and benchmarks of the layers above; it passes the shared adapter contract
 * (test/contracts/runtime-contract.ts): idempotent ensure/remove, list() re-attaches to the
 * journal's workloads after a restart, coded errors.
 *
 * Spec fields it understands (all optional besides `kind`): `exitCode` + `exitAfterMs` — the
 * workload "exits" by itself that long after it starts; `missing: true` — its program does not
 * exist (KH-RUNTIME-NOOP-003).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { KhutulunError, systemClock } from '../../common/index.js';
import type { Clock, TimerHandle } from '../../common/index.js';
import type { EnsureOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import type { ObservedWorkload, WorkloadId, WorkloadSpec, WorkloadState } from '../workload.js';

export interface NoopJournalEntry {
  seq: number;
  at: number;
  action: 'ensure' | 'remove';
  workload: WorkloadId;
  /** True when the call changed nothing (same spec already running / already removed). */
  noChange: boolean;
  spec?: WorkloadSpec;
}

export interface NoopRuntimeOptions {
  /** Adapter name intents use (default `noop`). */
  name?: string;
  /** JSON-lines journal; existing entries are replayed at construction (re-attach). */
  journal?: string;
  /** fsync every journal line (default true): a killed process loses no recorded intent. */
  fsync?: boolean;
  clock?: Clock;
}

export class NoopRuntime implements RuntimeAdapter {
  readonly name: string;
  /** Every intent applied, in order (including replayed journal entries). */
  readonly entries: NoopJournalEntry[] = [];
  readonly #workloads = new Map<WorkloadId, { spec: WorkloadSpec; observed: ObservedWorkload }>();
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  readonly #clock: Clock;
  readonly #fsync: boolean;
  readonly #timers = new Set<TimerHandle>();
  #fd: number | undefined;
  #closed = false;

  constructor(options: NoopRuntimeOptions = {}) {
    this.name = options.name ?? 'noop';
    this.#clock = options.clock ?? systemClock;
    this.#fsync = options.fsync ?? true;
    if (options.journal) {
      if (existsSync(options.journal)) this.#replay(readFileSync(options.journal, 'utf8'));
      this.#fd = openSync(options.journal, 'a');
    }
  }

  async ready(): Promise<void> {
    this.#assertOpen();
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec, _options?: EnsureOptions): Promise<ObservedWorkload> {
    this.#assertOpen();
    if (typeof id !== 'string' || id === '') throw new KhutulunError('KH-RUNTIME-NOOP-001', 'a workload id is required', { hint: 'use <deployment>/<vertex>' });
    if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string' || spec.kind === '') {
      throw new KhutulunError('KH-RUNTIME-NOOP-004', `workload ${id}: the spec needs a kind`, { hint: 'give a spec like { kind: "noop" }' });
    }
    // The noop knobs are not part of the WorkloadSpec union: read them as plain fields.
    const knobs = spec as Record<string, unknown>;
    if (knobs.missing === true) {
      throw new KhutulunError('KH-RUNTIME-NOOP-003', `workload ${id}: its program does not exist`, { hint: 'drop `missing` from the spec' });
    }
    const current = this.#workloads.get(id);
    const same = current !== undefined && current.observed.state === 'running' && JSON.stringify(current.spec) === JSON.stringify(spec);
    this.#record({ action: 'ensure', workload: id, noChange: same, spec });
    if (same) return current.observed;
    const restarts = current ? (current.observed.restarts ?? 0) + 1 : 0;
    const observed: ObservedWorkload = { id, runtime: this.name, state: 'running', handle: `noop-${this.entries.length}`, startedAt: this.#clock.now(), restarts };
    this.#workloads.set(id, { spec, observed });
    this.#emit(id, observed);
    if (typeof knobs.exitCode === 'number') this.#scheduleExit(id, observed.handle!, knobs.exitCode, typeof knobs.exitAfterMs === 'number' ? knobs.exitAfterMs : 0);
    return observed;
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    this.#assertOpen();
    return this.#workloads.get(id)?.observed;
  }

  async remove(id: WorkloadId, _options?: RemoveOptions): Promise<void> {
    this.#assertOpen();
    const existed = this.#workloads.delete(id);
    this.#record({ action: 'remove', workload: id, noChange: !existed });
    if (existed) this.#emit(id, { id, runtime: this.name, state: 'stopped' });
  }

  async list(): Promise<ObservedWorkload[]> {
    return [...this.#workloads.values()].map((w) => w.observed);
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #scheduleExit(id: WorkloadId, handle: string, exitCode: number, afterMs: number): void {
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      const w = this.#workloads.get(id);
      if (!w || w.observed.handle !== handle || this.#closed) return; // replaced or removed meanwhile
      w.observed = {
        ...w.observed,
        state: exitCode === 0 ? 'exited' : 'failed',
        exitCode,
        ...(exitCode !== 0 ? { cause: { code: 'KH-RUNTIME-NOOP-005', message: `workload ${id} exited with code ${exitCode}`, retryable: true, hint: 'see the spec: exitCode' } } : {}),
      };
      this.#emit(id, w.observed);
    }, afterMs);
    this.#timers.add(timer);
  }

  /** Test hook: the workload dies as a real one could (exit code, signal); listeners are told. */
  simulateExit(id: WorkloadId, state: Extract<WorkloadState, 'exited' | 'failed'> = 'exited', exitCode = 1): void {
    const w = this.#workloads.get(id);
    if (!w) return;
    w.observed = { ...w.observed, state, exitCode };
    this.#emit(id, w.observed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#listeners.clear();
  }

  #record(entry: Omit<NoopJournalEntry, 'seq' | 'at'>): void {
    const full: NoopJournalEntry = { seq: this.entries.length + 1, at: this.#clock.now(), ...entry };
    this.entries.push(full);
    if (this.#fd !== undefined) {
      writeSync(this.#fd, JSON.stringify(full) + '\n');
      if (this.#fsync) fsyncSync(this.#fd);
    }
  }

  #replay(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let entry: NoopJournalEntry;
      try {
        entry = JSON.parse(line) as NoopJournalEntry;
      } catch {
        continue; // a line torn by a kill mid-write: the intent did not complete
      }
      this.entries.push(entry);
      if (entry.action === 'ensure' && entry.spec !== undefined) {
        this.#workloads.set(entry.workload, { spec: entry.spec, observed: { id: entry.workload, runtime: this.name, state: 'running', handle: `noop-${entry.seq}`, startedAt: entry.at } });
      } else if (entry.action === 'remove') this.#workloads.delete(entry.workload);
    }
  }

  #emit(workload: WorkloadId, observed: ObservedWorkload): void {
    for (const l of this.#listeners) l({ workload, observed });
  }

  #assertOpen(): void {
    if (this.#closed) throw new KhutulunError('KH-RUNTIME-NOOP-002', 'the noop runtime is closed', { hint: 'create a new NoopRuntime' });
  }
}
