/**
 * Helpers for the `khutulun up` end-to-end tests: spawn the real CLI (up-launcher.ts) as a child,
 * wait for its output, read the process runtime's workload records, and clean up by PID only.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const launcher = path.join(root, 'test/unit/cli/up-launcher.ts');

export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `khutulun ARGS` from sources (no build of the TypeScript needed; the Wasm plugins are). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', launcher, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}

/** Runs a CLI command to completion (bounded). */
export async function runCli(args: readonly string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const { code } = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** Waits (bounded) until `check` returns a value; fails with the CLI's output when it does not. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number, run?: CliRun): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${run ? `\nstdout: ${run.stdout}\nstderr: ${run.stderr}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first complete stdout line of `-o json`, parsed. */
export function jsonLine(run: CliRun): unknown {
  const nl = run.stdout.indexOf('\n');
  return nl < 0 ? undefined : (JSON.parse(run.stdout.slice(0, nl)) as unknown);
}

export interface WorkloadRecord {
  readonly id: string;
  readonly pid?: number;
  readonly status?: string;
  readonly ports?: unknown;
}

/** The process runtime's records in a state dir (`process/workloads/*.json`). */
export function processRecords(stateDir: string): WorkloadRecord[] {
  const dir = path.join(stateDir, 'process', 'workloads');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as WorkloadRecord];
      } catch (error) {
        // Removed between the listing and the read (a workload being stopped): no longer a record.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(2000);
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** Kills exactly these PIDs if they are still alive (test cleanup). */
export function killPids(pids: Iterable<number | undefined>): void {
  for (const pid of pids) {
    if (pid && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Records every PID the process runtime starts under STATE into PIDS until the returned stop(). */
export function watchPids(state: string, pids: Set<number>): () => void {
  const poll = setInterval(() => {
    for (const r of processRecords(state)) if (r.pid) pids.add(r.pid);
  }, 50);
  return () => clearInterval(poll);
}
