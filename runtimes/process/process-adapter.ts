/**
 * The bare-process runtime: runs commands on this host and keeps them supervised.
 *
 * State lives in one file per workload under `stateDir`, so a NEW adapter over the same directory
 * (an agent restart) re-attaches: processes still alive are polled through /proc (they are no
 * longer our children), dead ones are handled by their restart policy, and pending restarts resume
 * at the time they were due. close() detaches without stopping anything.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { silentLogger, systemClock, toErrorData } from '../../common/index.js';
import type { Clock, Logger, TimerHandle } from '../../common/index.js';
import type { EnsureOptions, ExecOptions, ExecSession, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import type { ObservedWorkload, ProcessSpec, WorkloadId, WorkloadSpec } from '../workload.js';
import { detectCgroups, removeCgroups } from './cgroups.js';
import type { CgroupLayout } from './cgroups.js';
import { adapterClosed } from './errors.js';
import { defaultLogRotation, rotateIfNeeded } from './log-rotation.js';
import type { LogRotationConfig } from './log-rotation.js';
import { toObserved } from './observed.js';
import { isSameLiveProcess, readProcStat } from './proc-stat.js';
import { decideRestart, defaultBackoff, isFailure } from './restart-policy.js';
import { tailLines } from './log-tail.js';
import type { BackoffConfig, ExitFacts } from './restart-policy.js';
import { specHash, validateProcessSpec } from './spec.js';
import { acquireStateLock } from './state-lock.js';
import { corrupt as corruptRecord, encodeId, StateStore } from './state-file.js';
import type { ProcessStateRecord } from './state-file.js';
import { killTree } from './terminate.js';
import { terminateEntry } from './process-entry.js';
import type { Entry } from './process-entry.js';
import { startProcess } from './start-process.js';
import { findLaunchedProcess } from './find-launched.js';
import { logPaths } from './launch.js';
import { processExec, processLogs } from './process-io.js';
import { noWorkload } from '../workload-io.js';
import { checkHost, coded, exitCause, placementOf } from './exit-cause.js';
import type { TreeTracking } from './start-process.js';
import type { ProcessAdapterOptions } from './adapter-options.js';


export const PROCESS_RUNTIME = 'process';

export class ProcessRuntimeAdapter implements RuntimeAdapter {
  readonly name = PROCESS_RUNTIME;
  readonly #stateDir: string;
  readonly #store: StateStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #backoff: BackoffConfig;
  readonly #rotation: LogRotationConfig;
  readonly #pollMs: number;
  readonly #defaultStopMs: number;
  readonly #cgroupMode: 'auto' | 'off';
  readonly #cgroupRoot: string | undefined;
  readonly #tracking: TreeTracking;
  readonly #scope: string;
  readonly #entries = new Map<WorkloadId, Entry>();
  readonly #listeners = new Set<(event: RuntimeEvent) => void>();
  readonly #locks = new Map<WorkloadId, Promise<unknown>>();
  #layout: CgroupLayout | undefined;
  #loaded: Promise<void> | undefined;
  #tick: TimerHandle | undefined;
  #closed = false;
  #unlock: (() => void) | undefined;

  constructor(options: ProcessAdapterOptions) {
    this.#stateDir = resolve(options.stateDir);
    this.#store = new StateStore(this.#stateDir);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#rotation = options.logRotation ?? defaultLogRotation;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#defaultStopMs = options.defaultStopTimeoutMs ?? 10_000;
    this.#cgroupMode = options.cgroups ?? 'auto';
    this.#cgroupRoot = options.cgroupRoot;
    this.#tracking = options.cgroups === 'off' ? 'process-group' : (options.treeTracking ?? 'cgroup');
    // Groups are named per state dir so parallel adapters (tests, several agents) never collide.
    this.#scope = createHash('sha256').update(this.#stateDir).digest('hex').slice(0, 8);
  }

  async ready(): Promise<void> {
    if (this.#closed) throw adapterClosed();
    checkHost(this.#stateDir);
  }


  /** What the host offers for limits (for `khutulun doctor`-style reports and tests). */
  cgroupLayout(): CgroupLayout {
    this.#layout ??= this.#cgroupMode === 'off' ? { v1: {} } : detectCgroups(this.#cgroupRoot);
    return this.#layout;
  }

  ensure(id: WorkloadId, spec: WorkloadSpec, options: EnsureOptions = {}): Promise<ObservedWorkload> {
    return this.#serial(id, async () => {
      await this.#load();
      const valid = validateProcessSpec(id, spec);
      const hash = specHash(valid);
      const entry = this.#entries.get(id);
      if (entry) {
        this.#refresh(entry);
        const live = entry.record.status === 'running' || entry.record.status === 'backoff';
        if (entry.record.specHash === hash && live) return this.#observed(entry);
        // Changed spec (or a finished run being asked for again): replace it.
        await this.#stopEntry(entry, valid.stopTimeoutMs ?? entry.record.spec.stopTimeoutMs);
      }
      const workDir = resolve(options.workDir ?? join(this.#stateDir, 'work', encodeId(id)));
      const record = await this.#start(id, valid, hash, workDir, options, { restarts: 0, streak: 0 });
      return this.#observed(this.#entries.get(id) ?? { record, reattached: false, stopping: false, placement: { dirs: [] } });
    });
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    if (this.#closed) throw adapterClosed();
    await this.#load();
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#refresh(entry);
    return this.#observed(entry);
  }

  /** The workload's log files (runtimes/process/process-io.ts); follows while the workload exists. */
  async *logs(id: WorkloadId, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
    if (this.#closed) throw adapterClosed();
    await this.#load();
    const entry = this.#entries.get(id);
    if (!entry) throw noWorkload(this.name, id);
    yield* processLogs(entry.record, { record: () => this.#entries.get(id)?.record, clock: this.#clock }, options);
  }

  /** A command in the workload's environment (cwd, env, user). */
  async exec(id: WorkloadId, command: readonly string[], options: ExecOptions = {}): Promise<ExecSession> {
    if (this.#closed) throw adapterClosed();
    await this.#load();
    const entry = this.#entries.get(id);
    if (!entry) throw noWorkload(this.name, id);
    return processExec(entry.record, command, options);
  }

  remove(id: WorkloadId, options: RemoveOptions = {}): Promise<void> {
    return this.#serial(id, async () => {
      await this.#load();
      const entry = this.#entries.get(id);
      if (!entry) {
        this.#store.delete(id);
        return;
      }
      await this.#stopEntry(entry, options.timeoutMs ?? entry.record.spec.stopTimeoutMs);
      this.#entries.delete(id);
      this.#store.delete(id);
      this.#emit({ ...entry.record, status: 'stopped' }, entry);
    });
  }

  async list(): Promise<ObservedWorkload[]> {
    if (this.#closed) throw adapterClosed();
    await this.#load();
    return [...this.#entries.values()].map((e) => {
      this.#refresh(e);
      return this.#observed(e);
    });
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Detaches: timers stop, workloads keep running, state files stay for the next adapter. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#locks.values()]);
    this.#tick?.cancel();
    for (const entry of this.#entries.values()) entry.restartTimer?.cancel();
    this.#listeners.clear();
    this.#unlock?.();
  }

  /** One operation per workload at a time; different workloads proceed in parallel. */
  #serial<T>(id: WorkloadId, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(adapterClosed());
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn).catch((error: unknown) => {
      throw coded(id, error);
    });
    this.#locks.set(id, next);
    const clear = (): void => {
      if (this.#locks.get(id) === next) this.#locks.delete(id);
    };
    next.then(clear, clear);
    return next;
  }

  #load(): Promise<void> {
    this.#loaded ??= Promise.resolve().then(() => {
      this.#unlock = acquireStateLock(this.#stateDir);
      const { records, corrupt } = this.#store.readAll();
      // Never skip a record we cannot read: its process may run, and skipping would orphan it.
      if (corrupt[0] !== undefined) {
        this.#unlock?.();
        this.#unlock = undefined;
        this.#loaded = undefined;
        throw corruptRecord(corrupt[0]);
      }
      for (const record of records) {
        const entry: Entry = { record, reattached: true, stopping: false, placement: placementOf(record) };
        this.#entries.set(record.id, entry);
        if (record.status === 'running') this.#refresh(entry);
        else if (record.status === 'launching') this.#recoverLaunch(entry);
        else if (record.status === 'backoff') this.#scheduleRestart(entry, Math.max(0, (record.nextRestartAt ?? 0) - this.#clock.now()));
      }
      this.#armTick();
    });
    return this.#loaded;
  }

  #armTick(): void {
    if (this.#closed) return;
    this.#tick = this.#clock.setTimeout(() => {
      for (const entry of this.#entries.values()) {
        this.#refresh(entry);
        if (entry.record.status === 'running') {
          rotateIfNeeded(entry.record.stdoutLog, this.#rotation);
          if (entry.record.stderrLog !== entry.record.stdoutLog) rotateIfNeeded(entry.record.stderrLog, this.#rotation);
        }
      }
      this.#armTick();
    }, this.#pollMs);
  }

  /** A launch cut short by a crash: adopt the process if it runs, else treat it as an unseen exit. */
  #recoverLaunch(entry: Entry): void {
    const r = entry.record;
    const found = findLaunchedProcess(r.id, r.workDir);
    r.status = 'running';
    if (found) {
      r.pid = found.pid;
      r.procStartTime = found.startTime;
      this.#store.write(r);
      return;
    }
    this.#onExit(entry, undefined, { codeKnown: false, ranMs: 0 });
  }

  /** Notices the exit of a process that is not our child (re-attached) by looking at /proc. */
  #refresh(entry: Entry): void {
    const r = entry.record;
    if (r.status !== 'running' || entry.child || entry.stopping || r.pid === undefined) return;
    if (r.procStartTime !== undefined && isSameLiveProcess(r.pid, r.procStartTime)) return;
    this.#onExit(entry, undefined, { codeKnown: false, ranMs: this.#clock.now() - (r.startedAt ?? this.#clock.now()) });
  }

  async #start(
    id: WorkloadId,
    spec: ProcessSpec,
    hash: string,
    workDir: string,
    /** Absent on restarts: the artifacts are already in the workload directory. */
    options: Pick<EnsureOptions, 'sourceDir' | 'signal'> | undefined,
    counters: { restarts: number; streak: number },
  ): Promise<ProcessStateRecord> {
    const group = `${this.#scope}-${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
    const base = { version: 1 as const, id, spec, specHash: hash, restarts: counters.restarts, streak: counters.streak, workDir, ...logPaths(workDir), cgroups: [], warnings: [] };
    // A trace before the spawn: if the agent dies before the pid is recorded, the next one finds it.
    this.#store.write({ ...base, status: 'launching', startedAt: this.#clock.now() });
    let started: Awaited<ReturnType<typeof startProcess>>;
    try {
      started = await startProcess({ id, spec, workDir, group, layout: this.cgroupLayout(), tracking: this.#tracking, fetchOptions: options });
    } catch (error) {
      const previous = this.#entries.get(id);
      if (previous) this.#store.write(previous.record);
      else this.#store.delete(id);
      throw error;
    }
    const { child, placement } = started;
    const record: ProcessStateRecord = {
      version: 1,
      id,
      spec,
      specHash: hash,
      status: 'running',
      pid: started.pid,
      startedAt: this.#clock.now(),
      restarts: counters.restarts,
      streak: counters.streak,
      workDir,
      stdoutLog: started.stdoutLog,
      stderrLog: started.stderrLog,
      cgroups: placement.dirs,
      warnings: started.warnings,
      ...(placement.killDir ? { killDir: placement.killDir } : {}),
    };
    const stat = readProcStat(started.pid);
    if (stat !== undefined) record.procStartTime = stat.startTime;
    const entry: Entry = { record, child, reattached: false, stopping: false, placement: { dirs: placement.dirs, ...(placement.killDir ? { killDir: placement.killDir } : {}) } };
    this.#entries.set(id, entry);
    this.#store.write(record);
    void started.exited
      .then(({ code, signal }) => {
        const ranMs = this.#clock.now() - (record.startedAt ?? this.#clock.now());
        this.#onExit(entry, child, { codeKnown: true, ranMs, ...(code !== null ? { exitCode: code } : {}), ...(signal !== null ? { signal } : {}) });
      })
      // An exit that cannot be recorded (state folder unwritable) must not take the host down.
      .catch((error: unknown) => this.#log.log('error', `cannot record the exit of ${id}`, { error: String(error) }));
    this.#emit(record, entry);
    return record;
  }

  #onExit(entry: Entry, child: ChildProcess | undefined, exit: ExitFacts): void {
    if (this.#closed || this.#entries.get(entry.record.id) !== entry || entry.child !== child) return;
    const r = entry.record;
    if (r.status !== 'running') return;
    entry.child = undefined;
    const pid = r.pid;
    delete r.pid;
    delete r.procStartTime;
    delete r.exitCode;
    delete r.signal;
    if (exit.exitCode !== undefined) r.exitCode = exit.exitCode;
    if (exit.signal !== undefined) r.signal = exit.signal;
    // Whatever the main process left behind belongs to the workload too.
    // (Only for our own child: a re-attached pid is noticed late and its number may be reused.)
    killTree({ pid: exit.codeKnown && pid !== undefined ? pid : 0, cgroups: entry.placement });
    if (entry.stopping) {
      r.status = 'stopped';
      this.#store.write(r);
      return;
    }
    r.cause = exitCause(r.id, exit);
    const tail = isFailure(exit) ? tailLines(r.stderrLog) : [];
    if (r.cause && tail.length > 0) r.cause = { ...r.cause, details: { ...(r.cause.details ?? {}), stderrTail: tail } };
    const decision = decideRestart(r.spec.restart ?? 'never', exit, r.streak, this.#backoff);
    if (decision.restart) {
      r.status = 'backoff';
      r.streak = decision.streak;
      r.nextRestartAt = this.#clock.now() + decision.delayMs;
      this.#scheduleRestart(entry, decision.delayMs);
    } else {
      r.status = exit.codeKnown && exit.exitCode === 0 && exit.signal === undefined ? 'exited' : 'failed';
      if (r.status === 'exited') delete r.cause;
      removeCgroups(entry.placement.dirs);
    }
    this.#store.write(r);
    this.#emit(r, entry);
  }

  #scheduleRestart(entry: Entry, delayMs: number): void {
    entry.restartTimer?.cancel();
    entry.restartTimer = this.#clock.setTimeout(() => {
      entry.restartTimer = undefined;
      void this.#serial(entry.record.id, () => this.#restart(entry)).catch(() => undefined);
    }, delayMs);
  }

  async #restart(entry: Entry): Promise<void> {
    const r = entry.record;
    if (this.#closed || entry.stopping || r.status !== 'backoff' || this.#entries.get(r.id) !== entry) return;
    try {
      await this.#start(r.id, r.spec, r.specHash, r.workDir, undefined, { restarts: r.restarts + 1, streak: r.streak });
    } catch (error) {
      // The program may have vanished meanwhile: stay supervised and try again later if retryable.
      const data = toErrorData(error);
      r.cause = data;
      r.restarts += 1;
      if (data.retryable) {
        const decision = decideRestart('always', { codeKnown: false, ranMs: 0 }, r.streak, this.#backoff);
        if (decision.restart) {
          r.streak = decision.streak;
          r.nextRestartAt = this.#clock.now() + decision.delayMs;
          this.#scheduleRestart(entry, decision.delayMs);
        }
      } else {
        r.status = 'failed';
      }
      this.#store.write(r);
      this.#emit(r, entry);
    }
  }

  async #stopEntry(entry: Entry, timeoutMs: number | undefined): Promise<void> {
    entry.stopping = true;
    entry.restartTimer?.cancel();
    entry.restartTimer = undefined;
    const r = entry.record;
    const child = entry.child;
    if ((await terminateEntry(entry, timeoutMs ?? this.#defaultStopMs, this.#log)) && (!child || r.status === 'running')) this.#onExit(entry, child, { codeKnown: false, ranMs: 0 });
    removeCgroups(entry.placement.dirs);
    r.status = 'stopped';
    entry.stopping = false;
  }

  #observed(entry: Entry): ObservedWorkload {
    return toObserved(entry.record, this.name, {
      stopping: entry.stopping,
      reattached: entry.reattached,
      treeKill: entry.placement.killDir ? 'cgroup.kill' : entry.placement.dirs.length > 0 ? 'cgroup-v1+process-group' : 'process-group',
    });
  }

  #emit(record: ProcessStateRecord, entry: Entry): void {
    const observed = toObserved(record, this.name, { stopping: false, reattached: entry.reattached, treeKill: '' });
    for (const listener of [...this.#listeners]) {
      try {
        listener({ workload: record.id, observed });
      } catch (error) {
        this.#log.log('warn', 'runtime event listener threw', { error: String(error) });
      }
    }
  }
}
