/**
 * One adapter per state directory: two supervisors over the same state files would both restart
 * the same workloads. The lock is a file holding the owner's pid and /proc start time (so a stale
 * lock of a dead agent, or of a reused pid, is taken over), plus an in-process set.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KhutulunError } from '../../common/index.js';
import { isSameLiveProcess, readProcStat } from './proc-stat.js';

const heldHere = new Set<string>();

function busy(stateDir: string, holder: string): KhutulunError {
  return new KhutulunError('KH-PROC-STATE-BUSY', `state directory ${stateDir} is used by another process runtime adapter (${holder})`, {
    retryable: true,
    hint: 'close the other adapter (or stop the other agent) first, or give this one its own stateDir',
    details: { stateDir, holder },
  });
}

export function acquireStateLock(stateDir: string): () => void {
  if (heldHere.has(stateDir)) throw busy(stateDir, `this process, pid ${process.pid}`);
  const file = join(stateDir, 'adapter.lock');
  try {
    const [pid, start] = readFileSync(file, 'utf8').trim().split(' ').map(Number);
    if (pid !== undefined && start !== undefined && pid !== process.pid && isSameLiveProcess(pid, start)) throw busy(stateDir, `pid ${pid}`);
  } catch (error) {
    if (error instanceof KhutulunError) throw error;
    // no lock file or unreadable: take it
  }
  writeFileSync(file, `${process.pid} ${readProcStat(process.pid)?.startTime ?? 0}\n`);
  heldHere.add(stateDir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(stateDir);
    rmSync(file, { force: true });
  };
}
