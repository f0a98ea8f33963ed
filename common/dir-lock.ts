/**
 * An exclusive lock on a state folder for every process that writes it: a lock file created with
 * O_EXCL (one creator wins, no read-then-write race) holding the owner's pid and /proc start time,
 * so the lock of a dead process (or of a reused pid) is taken over, never one of a live process.
 */
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KhutulunError } from './errors.js';

/** Start time (field 22 of /proc/PID/stat), or undefined when there is no such process. */
function startTimeOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    const t = Number(rest[19]);
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

export interface DirLockOptions {
  /** Error code when another live process holds the lock. */
  code: string;
  /** What holds the folder, for the message ("agent", "process runtime adapter"). */
  what: string;
}

/** A lock file mid-creation (empty) is young; older garbage is a crashed writer's. */
const YOUNG_MS = 5000;

/** Takes `<dir>/<name>` or throws the coded busy error; returns the release function. */
export function acquireDirLock(dir: string, name: string, options: DirLockOptions): () => void {
  const file = join(dir, name);
  const mine = `${process.pid} ${startTimeOf(process.pid) ?? 0}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeSync(fd, mine);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    const [pid, start] = text.trim().split(' ').map(Number);
    const valid = pid !== undefined && start !== undefined && Number.isInteger(pid) && pid > 0;
    if (valid && startTimeOf(pid) === start) {
      throw new KhutulunError(options.code, `state folder ${dir} is in use by another ${options.what} (pid ${pid}${pid === process.pid ? ', this process' : ''})`, {
        retryable: true,
        hint: 'stop the other one first, or give this one its own state folder (--state DIR)',
        details: { stateDir: dir, holder: pid, lock: file },
      });
    }
    if (!valid) {
      try {
        if (Date.now() - statSync(file).mtimeMs < YOUNG_MS) {
          throw new KhutulunError(options.code, `state folder ${dir} is being locked by another ${options.what}`, {
            retryable: true,
            hint: 'another process is starting on this folder: wait, or give this one its own state folder',
            details: { stateDir: dir, lock: file },
          });
        }
      } catch (e) {
        if (e instanceof KhutulunError) throw e;
        continue;
      }
    }
    // A dead holder's lock: move it aside atomically (only one taker succeeds), then retry O_EXCL.
    try {
      const stale = `${file}.stale-${randomBytes(4).toString('hex')}`;
      renameSync(file, stale);
      rmSync(stale, { force: true });
    } catch {
      // someone else took it over first: retry
    }
  }
  throw new KhutulunError(options.code, `could not lock state folder ${dir}`, { retryable: true, hint: 'another process keeps taking the lock: stop it first', details: { stateDir: dir, lock: file } });
}
