/**
 * The per-workload state file: everything a new agent needs to re-attach to a process it did not
 * start (pid + start time against pid reuse, the spec and its hash, restart bookkeeping).
 * Written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
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
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(record));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The folder was removed under a running host (an operator cleaning up): the record of a
      // live process must not be lost with it, so the folder comes back.
      mkdirSync(this.#dir, { recursive: true });
      writeFileSync(tmp, JSON.stringify(record));
    }
    renameSync(tmp, path);
  }

  read(id: WorkloadId): ProcessStateRecord | undefined {
    try {
      return parseRecord(readFileSync(this.pathOf(id), 'utf8'));
    } catch {
      return undefined;
    }
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
        const record = parseRecord(readFileSync(join(this.#dir, name), 'utf8'));
        if (record) records.push(record);
        else corrupt.push(name);
      } catch {
        corrupt.push(name);
      }
    }
    return { records, corrupt };
  }
}

function parseRecord(text: string): ProcessStateRecord | undefined {
  const value = JSON.parse(text) as Partial<ProcessStateRecord>;
  if (value.version !== 1 || typeof value.id !== 'string' || typeof value.spec !== 'object') return undefined;
  return value as ProcessStateRecord;
}
