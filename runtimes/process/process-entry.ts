/**
 * One supervised process as the adapter holds it in memory (its record, its child when we
 * started it, its cgroups), and how its tree is ended on a stop.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger, TimerHandle } from '../../common/index.js';
import type { CgroupPlacement } from './cgroups.js';
import { isSameLiveProcess } from './proc-stat.js';
import type { ProcessStateRecord } from './state-file.js';
import { terminateTree } from './terminate.js';

export interface Entry {
  record: ProcessStateRecord;
  child?: ChildProcess;
  reattached: boolean;
  stopping: boolean;
  restartTimer?: TimerHandle;
  placement: Pick<CgroupPlacement, 'dirs' | 'killDir'>;
}

/**
 * Ends a running entry's process tree (SIGTERM, then SIGKILL once `timeoutMs` passed); false when
 * nothing was running. A re-attached process (not our child) is watched through /proc.
 */
export async function terminateEntry(entry: Entry, timeoutMs: number, log: Logger): Promise<boolean> {
  const r = entry.record;
  if (r.status !== 'running' || r.pid === undefined || r.pid <= 0) return false;
  const child = entry.child;
  const pid = r.pid;
  const startTime = r.procStartTime;
  const mainAlive = child ? () => child.exitCode === null && child.signalCode === null : () => startTime !== undefined && isSameLiveProcess(pid, startTime);
  const how = await terminateTree({ pid, mainAlive, cgroups: entry.placement }, timeoutMs);
  if (how === 'stuck') log.log('warn', 'process tree survived SIGKILL', { workload: r.id, pid });
  return true;
}
