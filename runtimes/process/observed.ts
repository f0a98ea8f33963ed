/** Turns a state record into the ObservedWorkload the contract reports (pure). */
import type { ObservedWorkload, PortSpec, WorkloadState } from '../workload.js';
import type { ProcessStateRecord } from './state-file.js';

export interface ObservedExtras {
  stopping: boolean;
  reattached: boolean;
  treeKill: string;
}

export function toObserved(record: ProcessStateRecord, runtime: string, extras: ObservedExtras): ObservedWorkload {
  const state: WorkloadState = extras.stopping
    ? 'stopping'
    : record.status === 'backoff' || record.status === 'launching'
      ? 'starting'
      : record.status === 'exited'
        ? 'exited'
        : record.status;
  const info: Record<string, string | number | boolean> = {
    workDir: record.workDir,
    stdoutLog: record.stdoutLog,
    stderrLog: record.stderrLog,
    reattached: extras.reattached,
    treeKill: extras.treeKill,
  };
  if (record.nextRestartAt !== undefined && record.status === 'backoff') info['restartAt'] = record.nextRestartAt;
  if (record.warnings.length > 0) info['warnings'] = record.warnings.join('; ');
  const ports: PortSpec[] | undefined = record.spec.ports?.map((p) => ({ ...p, ...(p.hostPort !== undefined ? { containerPort: p.containerPort ?? p.hostPort } : {}) }));
  const running = record.status === 'running';
  return {
    id: record.id,
    runtime,
    state,
    ...(running && record.pid !== undefined ? { pid: record.pid, handle: `pid:${record.pid}` } : {}),
    ...(!running && record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
    ...(!running && record.signal !== undefined ? { signal: record.signal } : {}),
    ...(!running && record.cause !== undefined ? { cause: record.cause } : {}),
    ...(record.startedAt !== undefined ? { startedAt: record.startedAt } : {}),
    restarts: record.restarts,
    ...(ports !== undefined ? { ports } : {}),
    info,
  };
}
