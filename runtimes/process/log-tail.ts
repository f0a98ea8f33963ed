/**
 * The last lines of a log file, read from its end with a bounded buffer: a crash's cause carries
 * the workload's own last words (`status` shows them), never the whole file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** At most `lines` lines (each cut to `width` characters) from the last `maxBytes` of `file`; [] if unreadable. */
export function tailLines(file: string, lines = 5, maxBytes = 4096, width = 240): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    if (length === 0) return [];
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const text = buf.toString('utf8');
    // A cut first line (we started mid-line) is dropped unless it is all there is.
    const all = text.split('\n').filter((l, i, a) => l.trim() !== '' && !(i === 0 && length < size && a.length > 1));
    return all.slice(-lines).map((l) => (l.length > width ? `${l.slice(0, width)}…` : l));
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
