/**
 * Runs distrobox/podman as the box's unprivileged user from a root agent: `setpriv` to the user's
 * uid/gid and groups, with a clean environment (HOME, XDG_RUNTIME_DIR, PATH) so the user's
 * rootless Podman configuration applies, never root's. Checks the user first (exists, not root,
 * has subordinate ids).
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { DistroboxErrorCode, distroboxError } from './errors.js';

export interface BoxUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The account from /etc/passwd, checked for rootless Podman (subordinate ids). */
export function lookupUser(name: string, files = { passwd: '/etc/passwd', subuid: '/etc/subuid' }): BoxUser {
  const line = readFileSync(files.passwd, 'utf8').split('\n').find((l) => l.split(':')[0] === name);
  if (!line) throw distroboxError(DistroboxErrorCode.badUser, `user ${name} does not exist on this host`, `create it (useradd -m ${name}) or name an existing unprivileged user`);
  const [, , uid, gid, , home] = line.split(':');
  const user = { name, uid: Number(uid), gid: Number(gid), home: home ?? `/home/${name}` };
  if (user.uid === 0) throw distroboxError(DistroboxErrorCode.badUser, `user ${name} is root (uid 0): Distrobox refuses root`, 'name an unprivileged user');
  const sub = existsSync(files.subuid) ? readFileSync(files.subuid, 'utf8') : '';
  if (!sub.split('\n').some((l) => l.split(':')[0] === name || l.split(':')[0] === String(user.uid))) {
    throw distroboxError(DistroboxErrorCode.badUser, `user ${name} has no subordinate ids in ${files.subuid}: rootless Podman cannot run`, `add them (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${name})`);
  }
  return user;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Each output line as it comes (progress). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

function runtimeDir(user: BoxUser): string {
  const dir = `/run/user/${user.uid}`;
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, user.uid, user.gid);
  }
  return dir;
}

/** Runs `argv` as `user`; resolves with the exit code and output (killed after timeoutMs). */
export function runAs(user: BoxUser, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = {
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    SHELL: '/bin/bash',
    XDG_RUNTIME_DIR: runtimeDir(user),
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
  };
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...argv], { env, cwd: user.home, stdio: ['ignore', 'pipe', 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    let stdout = '';
    let stderr = '';
    const lines = { stdout: '', stderr: '' };
    const feed = (stream: 'stdout' | 'stderr', text: string): void => {
      if (stream === 'stdout') stdout += text;
      else stderr += text;
      if (!options.onLine) return;
      lines[stream] += text;
      const parts = lines[stream].split(/\r?\n|\r/);
      lines[stream] = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') options.onLine(p, stream);
    };
    child.stdout.on('data', (d: Buffer) => feed('stdout', d.toString()));
    child.stderr.on('data', (d: Buffer) => feed('stderr', d.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (error.code === 'ENOENT') reject(distroboxError(DistroboxErrorCode.unavailable, 'setpriv is not installed', 'install util-linux'));
      else reject(error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + 9 : 1), stdout, stderr });
    });
  });
}
