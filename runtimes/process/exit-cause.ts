/** Small helpers of the adapter: exit causes, coded I/O errors, placements from records, host checks. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { KhutulunError, toErrorData } from '../../common/index.js';
import type { WorkloadId } from '../workload.js';
import type { CgroupPlacement } from './cgroups.js';
import type { ExitFacts } from './restart-policy.js';
import type { ProcessStateRecord } from './state-file.js';

export function placementOf(record: ProcessStateRecord): Pick<CgroupPlacement, 'dirs' | 'killDir'> {
  return { dirs: record.cgroups ?? [], ...(record.killDir ? { killDir: record.killDir } : {}) };
}

/** Anything uncoded (a full disk, a read-only state dir…) leaves as a KhutulunError with a hint. */
export function coded(id: WorkloadId, error: unknown): KhutulunError {
  if (error instanceof KhutulunError) return error;
  const sys = (error as { code?: unknown }).code;
  return new KhutulunError('KH-PROC-IO', `process runtime I/O failed for ${id}: ${(error as Error)?.message ?? String(error)}`, {
    retryable: true,
    hint: 'check that the state and workload directories are writable and the disk is not full',
    details: { workload: id, ...(typeof sys === 'string' ? { errno: sys } : {}) },
    cause: error,
  });
}

export function exitCause(id: WorkloadId, exit: ExitFacts): ProcessStateRecord['cause'] {
  if (!exit.codeKnown) {
    return toErrorData(
      new KhutulunError('KH-PROC-EXITED', `process of ${id} exited while it was not the agent's child; its exit code is unknown`, {
        retryable: true,
        hint: 'see the workload logs (info.stdoutLog / info.stderrLog)',
      }),
    );
  }
  const how = exit.signal !== undefined ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  return toErrorData(
    new KhutulunError('KH-PROC-EXITED', `process of ${id} ${how}`, {
      retryable: true,
      hint: 'see the workload logs (info.stdoutLog / info.stderrLog)',
      details: { ...(exit.exitCode !== undefined ? { exitCode: exit.exitCode } : {}), ...(exit.signal !== undefined ? { signal: exit.signal } : {}) },
    }),
  );
}

/** What ready() checks: a usable state directory and /proc. */
export function checkHost(stateDir: string): void {
  try {
    mkdirSync(stateDir, { recursive: true });
    if (!statSync(stateDir).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new KhutulunError('KH-PROC-STATE', `state directory ${stateDir} is not usable`, {
      hint: 'give the process runtime a writable directory (stateDir)',
      cause: error,
    });
  }
  if (!existsSync('/proc/self/stat')) {
    throw new KhutulunError('KH-PROC-NO-PROCFS', 'the process runtime needs /proc (Linux)', { hint: 'run the agent on Linux with /proc mounted' });
  }
}
