/**
 * logs and exec for the process runtime. Logs are the workload's own files (stdout.log and
 * stderr.log, appended by the process itself): read whole or the last N lines, then followed by
 * polling their size (a rotation truncates the file: reading starts over). They carry no per-line
 * times, so `since` is refused with a coded error rather than ignored. Exec runs a command in the
 * workload's environment: its cwd, environment and user, inside its cgroups (joined before the
 * command runs, as the workload was: its limits apply to the command too).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KhutulunError } from '../../common/index.js';
import type { Clock } from '../../common/index.js';
import type { ExecOptions, ExecSession, LogChunk, LogReadOptions } from '../runtime-adapter.js';
import { ChunkChannel, WorkloadIoErrors } from '../workload-io.js';
import { buildEnv, findSetpriv, joiningCgroups } from './launch.js';
import type { ProcessStateRecord } from './state-file.js';
import { lookupUser } from './user.js';
import { resolveCommand } from './command-path.js';

/** How much of the end of a file `tail` looks at (lines longer than this are cut). */
const TAIL_WINDOW = 4 * 1024 * 1024;
const READ_BLOCK = 256 * 1024;

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readRange(path: string, from: number, to: number): Promise<string> {
  if (to <= from) return '';
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Where reading starts so that only the last `tail` lines come out (pure over the text). */
export function tailStart(text: string, tail: number): number {
  if (tail <= 0) return text.length;
  let end = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let n = 0; n < tail; n++) {
    const nl = text.lastIndexOf('\n', end - 1);
    if (nl < 0) return 0;
    end = nl;
  }
  return end + 1;
}

interface Cursor {
  stream: LogChunk['stream'];
  path: string;
  offset: number;
}

async function startOffset(path: string, tail: number | undefined): Promise<{ offset: number; text: string }> {
  const size = await sizeOf(path);
  if (tail === undefined) return { offset: 0, text: '' };
  const from = Math.max(0, size - TAIL_WINDOW);
  const text = await readRange(path, from, size);
  const cut = tailStart(text, tail);
  return { offset: size, text: text.slice(cut) };
}

/** Reads what was appended to a cursor's file since its offset (from 0 again after a truncation). */
async function drain(c: Cursor, emit: (chunk: LogChunk) => void): Promise<void> {
  const size = await sizeOf(c.path);
  if (size < c.offset) c.offset = 0;
  while (c.offset < size) {
    const to = Math.min(size, c.offset + READ_BLOCK);
    const text = await readRange(c.path, c.offset, to);
    c.offset = to;
    emit({ stream: c.stream, text });
  }
}

export interface ProcessLogSource {
  record(): ProcessStateRecord | undefined;
  clock: Clock;
  pollMs?: number;
}

export async function* processLogs(first: ProcessStateRecord, source: ProcessLogSource, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
  if (options.since !== undefined) {
    throw new KhutulunError(WorkloadIoErrors.badOption, `the process runtime keeps no time per log line, so --since cannot select the output of ${first.id}`, {
      hint: 'use --tail N (and -f to follow)',
    });
  }
  if (options.tail !== undefined && (!Number.isInteger(options.tail) || options.tail < 0)) {
    throw new KhutulunError(WorkloadIoErrors.badOption, `tail must be a whole number of lines, got ${options.tail}`, { hint: 'for example --tail 100' });
  }
  const files: Array<[LogChunk['stream'], string]> = [['stdout', first.stdoutLog]];
  if (first.stderrLog !== first.stdoutLog) files.push(['stderr', first.stderrLog]);
  const cursors: Cursor[] = [];
  for (const [stream, path] of files) {
    const start = await startOffset(path, options.tail);
    if (start.text !== '') yield { stream, text: start.text };
    cursors.push({ stream, path, offset: options.tail === undefined ? 0 : start.offset });
  }
  const pending: LogChunk[] = [];
  const emit = (c: LogChunk): void => void pending.push(c);
  for (const c of cursors) await drain(c, emit);
  yield* pending.splice(0);
  if (!options.follow) return;
  const signal = options.signal;
  const pollMs = source.pollMs ?? 250;
  while (!signal?.aborted && source.record() !== undefined) {
    await new Promise<void>((done) => {
      const timer = source.clock.setTimeout(done, pollMs);
      signal?.addEventListener(
        'abort',
        () => {
          timer.cancel();
          done();
        },
        { once: true },
      );
    });
    for (const c of cursors) await drain(c, emit);
    yield* pending.splice(0);
  }
}

/** Runs `command` with the workload's cwd, environment and user; output streams as it comes. */
export function processExec(record: ProcessStateRecord, command: readonly string[], options: ExecOptions = {}): Promise<ExecSession> {
  const [file, ...args] = command;
  if (file === undefined || file === '') {
    return Promise.reject(new KhutulunError(WorkloadIoErrors.execFailed, 'exec needs a command', { hint: 'khutulun exec NAME NODE -- CMD [ARG]...' }));
  }
  if (options.tty) {
    return Promise.reject(
      new KhutulunError(WorkloadIoErrors.badOption, `the process runtime cannot give ${record.id} a terminal`, { hint: 'run the command without -t' }),
    );
  }
  const spec = record.spec;
  const cwd = resolve(record.workDir, spec.cwd ?? '.');
  const user = spec.user !== undefined ? lookupUser(record.id, spec.user) : undefined;
  const env = buildEnv(record.id, record.workDir, spec.env, user);
  // Resolved here (PATH of the workload, then its cwd): an unknown program is a coded error, not a shell's 127.
  let program: string;
  try {
    program = resolveCommand(record.id, file, cwd, env['PATH']);
  } catch (error) {
    return Promise.reject(error);
  }
  // The workload's groups that still exist (a finished workload's are removed).
  const groups = record.cgroups.filter((d) => existsSync(d));
  const setpriv = user && groups.length > 0 ? findSetpriv() : undefined;
  if (user && groups.length > 0 && !setpriv) {
    return Promise.reject(
      new KhutulunError(WorkloadIoErrors.execFailed, `cannot run a command as ${spec.user} inside the cgroups of ${record.id}: setpriv (util-linux) is missing`, {
        hint: 'install util-linux (setpriv) on this host',
      }),
    );
  }
  const line = joiningCgroups({ file: program, args, joinBeforeExec: groups, ...(user ? { user } : {}), ...(setpriv ? { setpriv } : {}) });
  const channel = new ChunkChannel();
  return new Promise<ExecSession>((resolveSession, reject) => {
    const child = spawn(line.file, line.args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(line.spawnAs ? { uid: line.spawnAs.uid, gid: line.spawnAs.gid } : {}),
      ...(groups.length > 0 ? { argv0: file } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
    child.stdout.on('data', (b: Buffer) => channel.push({ stream: 'stdout', text: b.toString('utf8') }));
    child.stderr.on('data', (b: Buffer) => channel.push({ stream: 'stderr', text: b.toString('utf8') }));
    // 'close' comes after both pipes ended; a killed command reports 128 + its signal, as a shell does.
    const exitCode = new Promise<number>((done) => {
      child.once('close', (code, signal) => {
        channel.end();
        done(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1));
      });
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      channel.end();
      reject(
        new KhutulunError(WorkloadIoErrors.execFailed, `cannot run ${file} for ${record.id}: ${error.code ?? error.message}`, {
          hint: error.code === 'ENOENT' ? `${file} is not on the workload's PATH (${env['PATH'] ?? ''}) nor in ${cwd}` : 'check the command and the permissions',
          cause: error,
        }),
      );
    });
    child.once('spawn', () => resolveSession({ output: channel, exitCode }));
  });
}
