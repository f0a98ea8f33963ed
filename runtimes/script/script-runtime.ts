/**
 * The `script` runtime: one-shot runs of TOSCA operations implemented by script artifacts. A
 * script runs on this host (a fresh work folder under the state dir, a minimal environment, its
 * own process group killed at the timeout) or inside the workload where its node lives, through
 * that runtime's exec. Its output is appended to the node's script log (stdout.log, stderr.log
 * under the state dir), which `khutulun logs` reads through logs(); observe() reports the last
 * run. It starts nothing lasting: ensure() is refused, list() is empty (nothing to adopt).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KhutulunError, systemClock, writeFileAtomic } from '../../common/index.js';
import type { Clock } from '../../common/index.js';
import type { ExecSession, LogChunk, LogReadOptions, RuntimeAdapter } from '../runtime-adapter.js';
import type { ObservedWorkload, ScriptSpec, WorkloadId } from '../workload.js';
import { WorkloadIoErrors, collectExec, noWorkload, unsupported } from '../workload-io.js';
import { ScriptErrorCodes, scriptError } from './errors.js';
import { TIMEOUT_MARK, checkScriptSpec, insideProgram, parseOutputs, splitInsideStdout, textTail, verifiedFiles } from './script-files.js';

export const SCRIPT_RUNTIME = 'script';
/** Environment a host-side script inherits from the agent (nothing else: no tokens, no secrets). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL'];
const KILL_GRACE_MS = 3000;
/** How long past its timeout this host still waits for a script inside a workload to end. */
const GIVE_UP_AFTER_MS = 10_000;
const TAIL_KEEP = 16 * 1024;

export interface ScriptRunResult {
  exitCode: number;
  outputs: Record<string, string>;
  /** Lines of the outputs file that were not `name=value`. */
  badOutputLines: string[];
  durationMs: number;
}

export interface ScriptRunOptions {
  /** Run inside this workload (its runtime must support exec). */
  inside?: { adapter: RuntimeAdapter; workload: WorkloadId };
}

export interface ScriptRuntimeOptions {
  stateDir: string;
  clock?: Clock;
}

interface LastRun {
  operation: string;
  exitCode: number;
  at: number;
  durationMs: number;
  inside?: string;
}

/** Keeps the last `TAIL_KEEP` characters of a stream. */
class Tail {
  text = '';
  push(s: string): void {
    this.text = (this.text + s).slice(-TAIL_KEEP);
  }
}

export class ScriptRuntime implements RuntimeAdapter {
  readonly name = SCRIPT_RUNTIME;
  readonly #stateDir: string;
  readonly #clock: Clock;

  constructor(options: ScriptRuntimeOptions) {
    this.#stateDir = options.stateDir;
    this.#clock = options.clock ?? systemClock;
  }

  async ready(): Promise<void> {
    await mkdir(this.#stateDir, { recursive: true });
  }

  ensure(id: WorkloadId): Promise<ObservedWorkload> {
    return Promise.reject(scriptError(ScriptErrorCodes.badSpec, `the script runtime runs one-shot scripts, it cannot keep ${id} running`, 'use the process or a container runtime for a long-running workload'));
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    const last = this.#lastRun(id);
    if (!last) return undefined;
    return { id, runtime: this.name, state: 'exited', exitCode: last.exitCode, info: { operation: last.operation, at: last.at, durationMs: last.durationMs, ...(last.inside ? { inside: last.inside } : {}) } };
  }

  /** Forgets the node's script log and record (the node left this host or was removed). */
  async remove(id: WorkloadId): Promise<void> {
    await rm(this.#dir(id), { recursive: true, force: true });
  }

  list(): Promise<ObservedWorkload[]> {
    return Promise.resolve([]);
  }

  subscribe(): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async *logs(id: WorkloadId, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
    if (!this.#lastRun(id) && !existsSync(join(this.#dir(id), 'stdout.log'))) throw noWorkload(this.name, id);
    if (options.since !== undefined) {
      throw new KhutulunError(WorkloadIoErrors.badOption, `the script log of ${id} keeps no time per line, so --since cannot select from it`, { hint: 'use --tail N' });
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = await readFile(join(this.#dir(id), `${stream}.log`), 'utf8').catch(() => '');
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const kept = options.tail !== undefined ? lines.slice(Math.max(0, lines.length - options.tail)) : lines;
      if (kept.length > 0) yield { stream, text: `${kept.join('\n')}\n` };
    }
  }

  exec(id: WorkloadId): Promise<ExecSession> {
    return Promise.reject(unsupported(`${this.name} (${id} is a one-shot script, not a running workload)`, 'exec'));
  }

  /**
   * Runs one script operation to its end. Resolves with its outputs when it exits 0; rejects with
   * KH-SCRIPT-FAILED (its stderr tail in the message), KH-SCRIPT-TIMEOUT, KH-SCRIPT-CHECKSUM,
   * KH-SCRIPT-NO-INTERPRETER or KH-SCRIPT-NO-EXEC otherwise.
   */
  async run(id: WorkloadId, spec: ScriptSpec, options: ScriptRunOptions = {}): Promise<ScriptRunResult> {
    checkScriptSpec(id, spec);
    const files = verifiedFiles(id, spec);
    const dir = this.#dir(id);
    await mkdir(dir, { recursive: true });
    const started = this.#clock.now();
    const where = options.inside ? `inside ${options.inside.workload} (${options.inside.adapter.name})` : 'on the host';
    await appendFile(join(dir, 'stdout.log'), `==> ${spec.operation}: ${spec.interpreter} ${spec.primary} ${where}\n`);
    const ran = options.inside ? await this.#runInside(id, spec, files, options.inside) : await this.#runHere(id, spec, files, dir);
    const durationMs = this.#clock.now() - started;
    const last: LastRun = { operation: spec.operation, exitCode: ran.exitCode, at: started, durationMs, ...(options.inside ? { inside: options.inside.workload } : {}) };
    writeFileAtomic(join(dir, 'last.json'), JSON.stringify(last));
    const details = { workload: id, operation: spec.operation, script: spec.primary, exitCode: ran.exitCode };
    if (ran.timedOut) {
      throw scriptError(ScriptErrorCodes.timeout, `${spec.operation} (${spec.primary}) of ${id} ran longer than ${spec.timeoutMs} ms and was killed${stderrSuffix(ran.stderr)}`, 'make the script finish sooner, or raise the operation timeout', details, true);
    }
    if (ran.exitCode === 127 && /not found|No such file/i.test(ran.stderr) && ran.stderr.includes(spec.interpreter)) {
      throw noInterpreter(spec, where);
    }
    if (ran.exitCode !== 0) {
      throw scriptError(ScriptErrorCodes.failed, `${spec.operation} (${spec.primary}) of ${id} exited with ${ran.exitCode}${stderrSuffix(ran.stderr)}`, `fix the script; its whole output: khutulun logs <deployment> <node>`, details);
    }
    const { outputs, bad } = parseOutputs(ran.outputsText);
    return { exitCode: 0, outputs, badOutputLines: bad, durationMs };
  }

  async #runHere(id: WorkloadId, spec: ScriptSpec, files: ReadonlyArray<{ path: string; bytes: Buffer }>, dir: string): Promise<RawRun> {
    const work = join(dir, 'work');
    await rm(work, { recursive: true, force: true });
    for (const f of files) {
      await mkdir(dirname(join(work, f.path)), { recursive: true });
      await writeFile(join(work, f.path), f.bytes, { mode: 0o600 });
    }
    await chmod(join(work, spec.primary), 0o700);
    const outputsFile = join(dir, 'outputs');
    await writeFile(outputsFile, '', { mode: 0o600 });
    const env: Record<string, string> = {};
    for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, spec.env, { KHUTULUN_OUTPUTS: outputsFile, KHUTULUN_OPERATION: spec.operation, KHUTULUN_WORKLOAD: id });
    const stdoutLog = createWriteStream(join(dir, 'stdout.log'), { flags: 'a' });
    const stderrLog = createWriteStream(join(dir, 'stderr.log'), { flags: 'a' });
    const stderr = new Tail();
    try {
      const result = await new Promise<{ exitCode: number; timedOut: boolean }>((resolve, reject) => {
        // From the script's own folder: files next to it in the template are next to it here.
        const child = spawn(spec.interpreter, [basename(spec.primary)], { cwd: dirname(join(work, spec.primary)), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        let timedOut = false;
        const killGroup = (signal: NodeJS.Signals): void => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, signal);
          } catch {
            // already gone
          }
        };
        const timer = this.#clock.setTimeout(() => {
          timedOut = true;
          killGroup('SIGTERM');
          this.#clock.setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
        }, spec.timeoutMs);
        child.stdout.on('data', (b: Buffer) => stdoutLog.write(b));
        child.stderr.on('data', (b: Buffer) => {
          stderrLog.write(b);
          stderr.push(b.toString('utf8'));
        });
        child.on('error', (error: NodeJS.ErrnoException) => {
          timer.cancel();
          reject(error.code === 'ENOENT' ? noInterpreter(spec, 'on the host') : error);
        });
        child.on('close', (code, signal) => {
          timer.cancel();
          resolve({ exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1), timedOut });
        });
      });
      const outputsText = await readFile(outputsFile, 'utf8').catch(() => '');
      return { ...result, stderr: stderr.text, outputsText };
    } finally {
      await Promise.all([new Promise((r) => stdoutLog.end(r)), new Promise((r) => stderrLog.end(r))]);
    }
  }

  async #runInside(id: WorkloadId, spec: ScriptSpec, files: ReadonlyArray<{ path: string; bytes: Buffer }>, inside: NonNullable<ScriptRunOptions['inside']>): Promise<RawRun> {
    const { adapter, workload } = inside;
    if (!adapter.exec) {
      throw scriptError(ScriptErrorCodes.noExec, `${spec.operation} of ${id} should run inside ${workload}, but the ${adapter.name} runtime cannot run commands in its workloads`, 'run the node on the host (no HostedOn a workload of that runtime) or use a runtime with exec (process, podman, docker, nspawn)', { workload: id, runtime: adapter.name });
    }
    // The program kills the script at its timeout inside the workload; this host stops waiting a
    // little later in any case (an exec whose workload hangs must not hold the operation forever).
    const giveUp = new AbortController();
    const timer = this.#clock.setTimeout(() => giveUp.abort(), spec.timeoutMs + GIVE_UP_AFTER_MS);
    let out: { exitCode: number; stdout: string; stderr: string };
    try {
      const session = await adapter.exec(workload, ['sh', '-c', insideProgram(spec, files)], { signal: giveUp.signal });
      out = await collectExec(session);
    } finally {
      timer.cancel();
    }
    const { stdout, outputsText } = splitInsideStdout(out.stdout);
    const dir = this.#dir(id);
    await appendFile(join(dir, 'stdout.log'), stdout);
    await appendFile(join(dir, 'stderr.log'), out.stderr);
    const timedOut = giveUp.signal.aborted || (out.exitCode === 124 && out.stderr.includes(TIMEOUT_MARK));
    return { exitCode: out.exitCode, timedOut, stderr: textTail(out.stderr, TAIL_KEEP), outputsText };
  }

  #dir(id: WorkloadId): string {
    return join(this.#stateDir, encodeURIComponent(id));
  }

  #lastRun(id: WorkloadId): LastRun | undefined {
    try {
      return JSON.parse(readFileSync(join(this.#dir(id), 'last.json'), 'utf8')) as LastRun;
    } catch {
      return undefined;
    }
  }
}

interface RawRun {
  exitCode: number;
  timedOut: boolean;
  stderr: string;
  outputsText: string;
}

function stderrSuffix(stderr: string): string {
  const tail = textTail(stderr, 1500);
  return tail === '' ? ' (no stderr)' : `; stderr:\n${tail}`;
}

function noInterpreter(spec: ScriptSpec, where: string): KhutulunError {
  const ansible = spec.interpreter === 'ansible-playbook';
  return scriptError(
    ScriptErrorCodes.noInterpreter,
    `${spec.operation} (${spec.primary}) needs ${spec.interpreter}, which is not installed ${where}`,
    ansible ? 'install Ansible where the playbook runs (e.g. apt-get install ansible), or implement the operation with a shell script' : `install ${spec.interpreter} where the script runs`,
    { operation: spec.operation, interpreter: spec.interpreter },
  );
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? 15;
}

/** Whether an adapter is the script runtime (intents with action `exec` need it). */
export function isScriptRuntime(adapter: RuntimeAdapter): adapter is ScriptRuntime {
  return adapter instanceof ScriptRuntime;
}
