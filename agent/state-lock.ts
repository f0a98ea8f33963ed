/**
 * One writer per state folder: `khutulun up` and `khutulun agent` hold `<state>/lock` (created with
 * O_EXCL, holding the pid and its /proc start time) while they run. A second process on the same
 * folder is refused with a coded error and leaves the first untouched; a lock whose holder is dead
 * (or whose pid was reused) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KhutulunError } from '../common/index.js';
import { isSameLiveProcess, readProcStat } from '../runtimes/index.js';

export const STATE_BUSY = 'KH-AGENT-STATE-BUSY';

function holderOf(file: string): { pid: number; start: number } | undefined {
  try {
    const [pid, start] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    return pid !== undefined && start !== undefined && Number.isInteger(pid) && pid > 0 ? { pid, start } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the folder's lock or throws KH-AGENT-STATE-BUSY; returns the release function. */
export function lockStateDir(stateDir: string): () => void {
  const file = join(stateDir, 'lock');
  const me = `${process.pid} ${readProcStat(process.pid)?.startTime ?? 0}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readFileSafe(file) === me) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(file);
      if (holder && (holder.pid === process.pid || isSameLiveProcess(holder.pid, holder.start))) {
        throw new KhutulunError(STATE_BUSY, `the state folder ${stateDir} is in use by another khutulun process (pid ${holder.pid})`, {
          hint: `talk to it instead (\`khutulun --state ${stateDir} status\`), stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or give this one another --state DIR`,
          retryable: true,
          details: { stateDir, pid: holder.pid },
        });
      }
      // Stale (its holder died): remove it and try again; a racing taker wins by O_EXCL.
      rmSync(file, { force: true });
    }
  }
  throw new KhutulunError(STATE_BUSY, `could not take the lock of ${stateDir}`, { hint: 'another process keeps taking it: stop it and try again', retryable: true });
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
