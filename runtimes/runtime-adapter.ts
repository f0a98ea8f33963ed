/**
 * One interface for every runtime (process, podman/docker, nspawn, libvirt, noop…).
 * Contract (checked by test/contracts/runtime-contract.ts against each real backend):
 * - ensure() is idempotent: calling it for a running workload with the same spec changes nothing;
 *   with a changed spec it replaces the workload.
 * - observe() reports the real state, including exit causes; unknown ids give undefined.
 * - remove() stops gracefully (then forcefully after stopTimeoutMs) and is idempotent.
 * - list() finds what this host's adapter started before a restart (re-attach: no duplicate, no orphan).
 * - every failure is a KhutulunError with a code and a hint.
 */
import type { ObservedWorkload, WorkloadId, WorkloadSpec } from './workload.js';

export interface RuntimeEvent {
  workload: WorkloadId;
  observed: ObservedWorkload;
}

export interface EnsureOptions {
  /** Directory the runtime may use for this workload (logs, artifacts). */
  workDir?: string;
  /** Base directory artifacts with relative sources resolve against (the CSAR/template folder). */
  sourceDir?: string;
  signal?: AbortSignal;
}

export interface RemoveOptions {
  /** Overrides the spec's stopTimeoutMs. */
  timeoutMs?: number;
}

/** What `logs()` reads: the whole log, its last lines, from a time on, and whether to follow it. */
export interface LogReadOptions {
  /** Epoch ms: only output written at or after it (runtimes without per-line times refuse it, coded). */
  since?: number;
  /** Only the last N lines (of each stream) before following. */
  tail?: number;
  /** Keep streaming new output until `signal` aborts or the workload is gone. */
  follow?: boolean;
  signal?: AbortSignal;
}

/** A piece of a workload's output. */
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface ExecOptions {
  /** A terminal for the command (containers; merges stdout and stderr). */
  tty?: boolean;
  signal?: AbortSignal;
  /** Milliseconds before the command is killed (default: none). */
  timeoutMs?: number;
}

/** A command started by `exec()`: its output as it comes, and its exit code once it ends. */
export interface ExecSession {
  output: AsyncIterable<LogChunk>;
  exitCode: Promise<number>;
}

export interface RuntimeAdapter {
  readonly name: string;
  /** Checks the backend is usable; throws a coded error saying how to fix it if not. */
  ready(): Promise<void>;
  ensure(id: WorkloadId, spec: WorkloadSpec, options?: EnsureOptions): Promise<ObservedWorkload>;
  observe(id: WorkloadId): Promise<ObservedWorkload | undefined>;
  remove(id: WorkloadId, options?: RemoveOptions): Promise<void>;
  /** Every workload this adapter manages on this host (for re-attach after a restart). */
  list(): Promise<ObservedWorkload[]>;
  /** State changes as they happen (exits, restarts). Returns an unsubscribe function. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void;
  close(): Promise<void>;
  /**
   * Optional capability: the workload's output (unknown ids: a coded not-found error). Wrappers
   * forward it; a runtime without it makes `khutulun logs` answer a coded "not supported".
   */
  logs?(id: WorkloadId, options?: LogReadOptions): AsyncIterable<LogChunk>;
  /** Optional capability: run `command` inside the workload (container) or in its environment (process). */
  exec?(id: WorkloadId, command: readonly string[], options?: ExecOptions): Promise<ExecSession>;
}
