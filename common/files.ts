/**
 * State and secret files: written atomically (temp file, fsync, rename, fsync of the folder) so a
 * crash leaves the old or the new content, never half of it; secrets checked to be owner-only
 * before they are trusted (as ssh does with its keys).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KhutulunError } from './errors.js';

export const FileErrors = {
  /** A secret (token, credentials, agent record) is readable or writable by others. */
  perms: 'KH-FILE-PERMS',
  /** A state file exists but cannot be parsed: never silently replaced. */
  corrupt: 'KH-STATE-CORRUPT',
  /** A state file cannot be read or written (permissions, I/O). */
  io: 'KH-STATE-IO',
} as const;

/** Writes `data` to `path` atomically; `mode` applies to the new file (default 0600). */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // O_EXCL: never write through a file (or symlink) someone planted under the temporary name.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Throws KH-FILE-PERMS unless `path` is a regular file owned by this user (or root) that neither
 * group nor others may read or write. `what` names the file in the message ("token file").
 */
export function checkOwnerOnly(path: string, what: string, uid: number | undefined = process.getuid?.()): void {
  const st = statSync(path);
  const problems: string[] = [];
  if (!st.isFile()) problems.push('is not a regular file');
  if ((st.mode & 0o077) !== 0) problems.push(`has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} (group/others may access it)`);
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) problems.push(`is owned by uid ${st.uid}, not by this user (uid ${uid})`);
  if (problems.length > 0) {
    throw new KhutulunError(FileErrors.perms, `${what} ${path} ${problems.join(' and ')}`, {
      hint: `make it private to its owner: chmod 600 ${path} (and chown it to the user that runs khutulun)`,
      details: { path, mode: st.mode & 0o777, uid: st.uid },
    });
  }
}

/** The coded error of a state file that exists but cannot be understood. */
export function corruptState(path: string, problem: string, hint: string, cause?: unknown): KhutulunError {
  return new KhutulunError(FileErrors.corrupt, `state file ${path} is corrupt: ${problem}`, {
    hint,
    details: { path },
    ...(cause !== undefined ? { cause } : {}),
  });
}
