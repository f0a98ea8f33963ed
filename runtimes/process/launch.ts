/**
 * Starting one process: detached into its own process group (so the whole tree can be signalled),
 * stdout/stderr appended straight to log files (so output survives an agent restart), optionally
 * as another user and inside cgroups. When limits must hold from the first instruction, a tiny
 * `sh` wrapper joins the cgroups and then execs the program (same pid).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commandNotFound, permissionDenied, spawnFailed } from './errors.js';
import type { UserIds } from './user.js';

export interface LaunchRequest {
  id: string;
  /** Resolved absolute path of the program. */
  file: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  user?: UserIds;
  stdoutLog: string;
  stderrLog: string;
  /** cgroup directories to join before exec (wrapper), empty for none. */
  joinBeforeExec: readonly string[];
  /** With a wrapper and a user: the setpriv binary that drops to the user after joining. */
  setpriv?: string;
}

// Joins every cgroup given before `--`, then execs the program with its own argv.
const WRAPPER = 'while [ "$1" != "--" ]; do echo $$ > "$1/cgroup.procs" || { echo "khutulun: cannot join cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"';

/**
 * The command line that joins `joinBeforeExec` (when any) before the program runs: a `sh`
 * wrapper, and setpriv to drop to the user after the join (joining cgroup.procs needs root).
 * Shared by launch() and exec in a workload's environment (process-io.ts).
 */
export function joiningCgroups(request: Pick<LaunchRequest, 'file' | 'args' | 'user' | 'setpriv' | 'joinBeforeExec'>): { file: string; args: string[]; spawnAs: UserIds | undefined } {
  const wrapped = request.joinBeforeExec.length > 0;
  const drop = wrapped && request.user && request.setpriv ? [request.setpriv, `--reuid=${request.user.uid}`, `--regid=${request.user.gid}`, '--clear-groups', '--'] : [];
  return {
    file: wrapped ? '/bin/sh' : request.file,
    args: wrapped ? ['-c', WRAPPER, 'khutulun-cgroup', ...request.joinBeforeExec, '--', ...drop, request.file, ...request.args] : [...request.args],
    spawnAs: request.user && drop.length === 0 ? request.user : undefined,
  };
}

/** Spawns and resolves once the program runs (or rejects with a coded error). */
export function launch(request: LaunchRequest): Promise<ChildProcess> {
  mkdirSync(dirname(request.stdoutLog), { recursive: true });
  mkdirSync(dirname(request.stderrLog), { recursive: true });
  const out = openSync(request.stdoutLog, 'a');
  const err = request.stderrLog === request.stdoutLog ? out : openSync(request.stderrLog, 'a');
  const wrapped = request.joinBeforeExec.length > 0;
  const { file, args, spawnAs } = joiningCgroups(request);
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ['ignore', out, err],
      ...(spawnAs ? { uid: spawnAs.uid, gid: spawnAs.gid } : {}),
      ...(wrapped ? { argv0: request.file } : {}),
    });
  } catch (error) {
    closeSync(out);
    if (err !== out) closeSync(err);
    throw mapSpawnError(request, error);
  } finally {
    // The child holds its own copies; the agent keeps no handle on the logs.
  }
  closeSync(out);
  if (err !== out) closeSync(err);
  return new Promise((resolvePromise, reject) => {
    const onError = (error: Error): void => {
      child.off('spawn', onSpawn);
      reject(mapSpawnError(request, error));
    };
    const onSpawn = (): void => {
      child.off('error', onError);
      // Do not keep the agent alive for its workloads: they outlive it by design.
      child.unref();
      resolvePromise(child);
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
}

function mapSpawnError(request: LaunchRequest, error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return commandNotFound(request.id, request.file, [request.file, request.cwd]);
  if (code === 'EACCES' || code === 'EPERM') return permissionDenied(request.id, `starting ${request.file} in ${request.cwd}`, error);
  return spawnFailed(request.id, request.file, error);
}

/** The setpriv binary (util-linux) when the host has one. */
export function findSetpriv(): string | undefined {
  return ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv'].find((p) => existsSync(p));
}

/** Base environment: a clean, predictable one plus the spec's variables (spec wins). */
export function buildEnv(id: string, workDir: string, specEnv: Record<string, string> | undefined, user: UserIds | undefined): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: user?.home ?? process.env['HOME'] ?? '/',
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    KHUTULUN_WORKLOAD: id,
    KHUTULUN_WORKDIR: workDir,
  };
  if (user?.name) env['USER'] = user.name;
  return { ...env, ...(specEnv ?? {}) };
}

export function logPaths(workDir: string): { stdoutLog: string; stderrLog: string } {
  return { stdoutLog: join(workDir, 'logs', 'stdout.log'), stderrLog: join(workDir, 'logs', 'stderr.log') };
}
