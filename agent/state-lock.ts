/**
 * One writer per state folder: `khutulun up` and `khutulun agent` hold `<state>/lock` (created with
 * O_EXCL, holding the pid and its /proc start time) while they run. A second process on the same
 * folder is refused with a coded error and leaves the first untouched; a lock whose holder is dead
 * (or whose pid was reused) is taken over; one being written right now counts as held
 * (common/dir-lock.ts).
 */
import { acquireDirLock } from '../common/index.js';

export const STATE_BUSY = 'KH-AGENT-STATE-BUSY';

/** Takes the folder's lock or throws KH-AGENT-STATE-BUSY; returns the release function. */
export function lockStateDir(stateDir: string): () => void {
  return acquireDirLock(stateDir, 'lock', { code: STATE_BUSY, what: 'khutulun process (up or agent): talk to it with `khutulun --state DIR status`' });
}
