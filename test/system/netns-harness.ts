/**
 * Drives scripts/netns/netns.sh from tests: a private network of namespaces, processes started
 * inside them (tracked and stopped by PID only), partitions and heals. `destroy()` removes every
 * namespace and process this harness created.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/netns/netns.sh');

/** Root, `ip` and namespaces available (CI runs as root; elsewhere the tests skip). */
export function netnsAvailable(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return existsSync(SCRIPT);
  } catch {
    return false;
  }
}

export interface NetnsProcess {
  readonly host: number;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export class NetnsCluster {
  readonly run: string;
  readonly size: number;
  readonly #procs = new Set<NetnsProcess>();
  #up = false;

  private constructor(run: string, size: number) {
    this.run = run;
    this.size = size;
  }

  static create(size: number, run = Math.floor(Math.random() * 36 ** 5).toString(36).padStart(5, '0')): NetnsCluster {
    const c = new NetnsCluster(run, size);
    try {
      execFileSync('bash', [SCRIPT, 'up', run, String(size)], { stdio: 'pipe' });
      c.#up = true;
    } catch (error) {
      execFileSync('bash', [SCRIPT, 'down', run], { stdio: 'ignore' });
      throw error;
    }
    return c;
  }

  namespace(host: number): string {
    return `kh-${this.run}-h${host}`;
  }

  address(host: number): string {
    return `10.231.0.${10 + host}`;
  }

  cut(host: number): void {
    execFileSync('bash', [SCRIPT, 'cut', this.run, String(host)], { stdio: 'pipe' });
  }

  heal(host: number): void {
    execFileSync('bash', [SCRIPT, 'heal', this.run, String(host)], { stdio: 'pipe' });
  }

  /** Starts `command args` inside host's namespace. */
  spawn(host: number, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): NetnsProcess {
    const child = spawn('ip', ['netns', 'exec', this.namespace(host), command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const p: NetnsProcess = { host, child, output: () => out, exited };
    this.#procs.add(p);
    void exited.then(() => this.#procs.delete(p));
    return p;
  }

  /** kill -9 by PID (`ip netns exec` execs the command, so the PID is the command's own). */
  async kill(p: NetnsProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined) process.kill(p.child.pid, signal);
    await p.exited;
  }

  async destroy(): Promise<void> {
    for (const p of [...this.#procs]) await this.kill(p).catch(() => undefined);
    // Processes our processes started inside our namespaces (workloads of agents killed by a test).
    for (let i = 0; i < this.size && this.#up; i++) {
      let pids: string[] = [];
      try {
        pids = execFileSync('ip', ['netns', 'pids', this.namespace(i)], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
      } catch {
        pids = [];
      }
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (this.#up) execFileSync('bash', [SCRIPT, 'down', this.run], { stdio: 'ignore' });
    this.#up = false;
  }
}

/** Polls `check` until it returns a value (bounded), for conditions that cross processes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
