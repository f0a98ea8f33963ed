/**
 * One adapter per state directory: two supervisors over the same state files would both restart
 * the same workloads. An O_EXCL lock file holding the owner's pid and /proc start time (so a stale
 * lock of a dead agent, or of a reused pid, is taken over); see common/dir-lock.ts.
 */
import { acquireDirLock } from '../../common/index.js';
import { ProcessErrorCodes } from './errors.js';

export function acquireStateLock(stateDir: string): () => void {
  return acquireDirLock(stateDir, 'adapter.lock', { code: ProcessErrorCodes.stateBusy, what: 'process runtime adapter' });
}
