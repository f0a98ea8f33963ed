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
}
