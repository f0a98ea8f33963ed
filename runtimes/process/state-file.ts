/**
 * The per-workload state file: everything a new agent needs to re-attach to a process it did not
 * start (pid + start time against pid reuse, the spec and its hash, restart bookkeeping).
 * Written atomically (temp file, fsync, rename) so a crash never leaves half a file; a record that
 * exists but cannot be parsed is a coded error naming it (KH-STATE-CORRUPT), never skipped: its
 * process may still run, and forgetting it would orphan it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { corruptState, writeFileAtomic } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import type { ProcessSpec, WorkloadId } from '../workload.js';

/** `launching`: written just before spawn, so a crash in that window leaves a trace to recover. */
export type SupervisedStatus = 'launching' | 'running' | 'exited' | 'stopped' | 'backoff' | 'failed';

export interface ProcessStateRecord {
  version: 1;
  id: WorkloadId;
  spec: ProcessSpec;
  specHash: string;
  status: SupervisedStatus;
  pid?: number;
  /** /proc/<pid>/stat field 22 of the started process. */
  procStartTime?: number;
  startedAt?: number;
  exitCode?: number;
  signal?: string;
  cause?: ErrorData;
  /** Total restarts done by the supervisor. */
  restarts: number;
  /** Consecutive quick restarts (drives the backoff). */
  streak: number;
  /** Epoch ms of the scheduled restart while status is `backoff`. */
  nextRestartAt?: number;
  workDir: string;
  stdoutLog: string;
  stderrLog: string;
  /** cgroup directories this workload was placed in (removed after it ends). */
  cgroups: string[];
  /** The v2 group whose cgroup.kill ends the whole tree. */
  killDir?: string;
  /** Warnings to show in observed info (e.g. limits not enforceable). */
  warnings: string[];
}

/** A file-name-safe, unique name for an id (the id itself is kept inside the record). */
export function encodeId(id: WorkloadId): string {
  // '.' at the start would hide the file; names stay far below the 255-byte limit of file systems.
  const name = encodeURIComponent(id).replace(/^\./, '%2E').replace(/\*/g, '%2A');
  return name.length <= 160 ? name : `${name.slice(0, 100)}~${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

export class StateStore {
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'workloads');
    mkdirSync(this.#dir, { recursive: true });
  }

  pathOf(id: WorkloadId): string {
    return join(this.#dir, `${encodeId(id)}.json`);
  }

  write(record: ProcessStateRecord): void {
    const path = this.pathOf(record.id);
    try {
      writeFileAtomic(path, JSON.stringify(record), 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The folder was removed under a running host (an operator cleaning up): the record of a
      // live process must not be lost with it, so the folder comes back.
      mkdirSync(this.#dir, { recursive: true });
      writeFileAtomic(path, JSON.stringify(record), 0o600);
    }
  }

  /** The record, undefined when there is none; KH-STATE-CORRUPT when it exists but is unreadable. */
  read(id: WorkloadId): ProcessStateRecord | undefined {
    const path = this.pathOf(id);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const record = safeParse(text);
    if (!record) throw corrupt(path);
    return record;
  }

  delete(id: WorkloadId): void {
    rmSync(this.pathOf(id), { force: true });
  }

  /** Every readable record; unreadable files are returned by name so the caller can report them. */
  readAll(): { records: ProcessStateRecord[]; corrupt: string[] } {
    const records: ProcessStateRecord[] = [];
    const corrupt: string[] = [];
    for (const name of readdirSync(this.#dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = safeParse(readFileSync(join(this.#dir, name), 'utf8'));
        if (record) records.push(record);
        else corrupt.push(join(this.#dir, name));
      } catch {
        corrupt.push(join(this.#dir, name));
      }
    }
    return { records, corrupt };
  }
}

export function corrupt(path: string): Error {
  return corruptState(
    path,
    'not a process record (truncated or garbled)',
    `its process may still run: check with \`ps\` (the record's pid and command), stop it if needed, then move ${path} away; or restore it from a backup`,
  );
}

function safeParse(text: string): ProcessStateRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<ProcessStateRecord> | null;
    if (value === null || value.version !== 1 || typeof value.id !== 'string' || typeof value.spec !== 'object' || value.spec === null) return undefined;
    return value as ProcessStateRecord;
  } catch {
    return undefined;
  }
}
