/**
 * The systemd-nspawn runtime: system containers from a directory tree or an image tarball, in
 * single-command or boot mode. systemd-nspawn itself is supervised by the bare-process runtime
 * (its own state dir), which gives this adapter, with no extra machinery: re-attach after an agent
 * restart (pid + start time records), limits through cgroups the runtime makes and joins BEFORE
 * nspawn starts (v1 memory/cpu/pids here; nspawn cannot set them without a host systemd), restart
 * policies, graceful-then-forced stop, log files, and port checks. Without systemd-machined
 * (this machine kind) nspawn runs with `--register=no --keep-unit`.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock, Logger } from '../../common/index.js';
import { KhutulunError } from '../../common/index.js';
import { ProcessRuntimeAdapter } from '../process/index.js';
import type { EnsureOptions, ExecOptions, ExecSession, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import { failingLogs, textChunks } from '../text-chunks.js';
import type { ObservedWorkload, ProcessSpec, WorkloadId, WorkloadSpec } from '../workload.js';
import { NspawnErrorCode, nspawnError } from './errors.js';
import { prepareRoot, removeRoot } from './rootfs.js';
import { machineName, nspawnArgs, validateSystemContainerSpec } from './spec.js';
import type { SystemContainerSpec } from './spec.js';
import { canonicalSpecJson } from '../process/index.js';
import { createHash } from 'node:crypto';

const run = promisify(execFile);

export const NSPAWN_RUNTIME = 'nspawn';

export interface NspawnAdapterOptions {
  /** Machine roots unpacked from tarballs, and the supervisor's records. Survives agent restarts. */
  stateDir: string;
  /** Absolute folders a spec may name a tree or tarball in (default /var/lib/machines). */
  roots?: readonly string[];
  /** The systemd-nspawn binary (default: found on PATH). */
  binary?: string;
  /** Register machines with systemd-machined (only where it runs). Default false. */
  register?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** How often the supervisor polls re-attached machines (ms). */
  pollIntervalMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

const hashOf = (spec: SystemContainerSpec): string => createHash('sha256').update(canonicalSpecJson(spec)).digest('hex').slice(0, 16);

export class NspawnRuntimeAdapter implements RuntimeAdapter {
  readonly name = NSPAWN_RUNTIME;
  readonly #inner: ProcessRuntimeAdapter;
  readonly #machinesDir: string;
  readonly #roots: readonly string[];
  readonly #binary: string | undefined;
  readonly #register: boolean;

  constructor(options: NspawnAdapterOptions) {
    this.#machinesDir = join(options.stateDir, 'machines');
    this.#roots = options.roots ?? ['/var/lib/machines'];
    this.#binary = options.binary ?? findOnPath('systemd-nspawn');
    this.#register = options.register ?? false;
    this.#inner = new ProcessRuntimeAdapter({
      stateDir: join(options.stateDir, 'supervisor'),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      // The machine's processes live in nspawn's tree: track it exactly, so a stop leaves nothing.
      treeTracking: 'cgroup-strict',
    });
  }

  #requireBinary(): string {
    if (this.#binary === undefined || !existsSync(this.#binary)) {
      throw nspawnError(NspawnErrorCode.unavailable, 'systemd-nspawn is not installed on this host', 'install it (`apt-get install systemd-container`) and restart the agent', { retryable: true });
    }
    return this.#binary;
  }

  async ready(): Promise<void> {
    this.#requireBinary();
    await this.#inner.ready();
  }

  #map(o: ObservedWorkload): ObservedWorkload {
    const machine = machineName(o.id);
    const { handle: _handle, ...rest } = o;
    return {
      ...rest,
      runtime: this.name,
      ...(o.pid !== undefined ? { handle: `${machine}@${o.pid}` } : {}),
      info: { ...(o.info ?? {}), machine },
    };
  }

  #hashFile(machine: string): string {
    return join(this.#machinesDir, machine, 'spec-hash');
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec, options: EnsureOptions = {}): Promise<ObservedWorkload> {
    validateSystemContainerSpec(spec);
    const binary = this.#requireBinary();
    const machine = machineName(id);
    const hash = hashOf(spec);
    const hashFile = this.#hashFile(machine);
    const previous = existsSync(hashFile) ? readFileSync(hashFile, 'utf8') : undefined;
    if (previous !== undefined && previous !== hash) {
      // A changed spec: the old machine stops and its unpacked root goes before the new one is made.
      await this.#inner.remove(id);
      removeRoot(this.#machinesDir, machine);
    }
    options.signal?.throwIfAborted();
    const root = await prepareRoot(spec, {
      machine,
      machinesDir: this.#machinesDir,
      roots: this.#roots,
      ...(options.sourceDir !== undefined ? { sourceDir: options.sourceDir } : {}),
    });
    mkdirSync(join(this.#machinesDir, machine), { recursive: true });
    writeFileSync(hashFile, hash);
    const processSpec: ProcessSpec = {
      kind: 'process',
      command: binary,
      args: nspawnArgs(spec, { root, machine, register: this.#register }),
      ...(spec.limits ? { limits: spec.limits } : {}),
      ...(spec.restart ? { restart: spec.restart } : {}),
      ...(spec.stopTimeoutMs !== undefined ? { stopTimeoutMs: spec.stopTimeoutMs } : {}),
      ...(spec.ports ? { ports: spec.ports } : {}),
    };
    const { sourceDir: _sourceDir, ...rest } = options;
    const observed = this.#map(await this.#inner.ensure(id, processSpec, rest));
    return { ...observed, info: { ...observed.info, root, mode: spec.boot ? 'boot' : 'command' } };
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    const o = await this.#inner.observe(id);
    return o ? this.#map(o) : undefined;
  }

  async remove(id: WorkloadId, options: RemoveOptions = {}): Promise<void> {
    await this.#inner.remove(id, options);
    removeRoot(this.#machinesDir, machineName(id));
  }

  async list(): Promise<ObservedWorkload[]> {
    return (await this.#inner.list()).map((o) => this.#map(o));
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.#inner.subscribe((event) => listener({ workload: event.workload, observed: this.#map(event.observed) }));
  }

  /** `khutulun logs` (the runtime capability): the captured console, as chunks (no follow yet). */
  logs(id: WorkloadId, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
    if (options.since !== undefined || options.follow) return failingLogs('nspawn logs have no per-line times and no follow yet');
    return textChunks(this.logText(id, options.tail !== undefined ? { tail: options.tail } : {}));
  }

  /** `khutulun exec` (the runtime capability): the command's whole output once it ended. */
  async exec(id: WorkloadId, command: readonly string[], options: ExecOptions = {}): Promise<ExecSession> {
    const r = await this.execCapture(id, [...command], options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
    return { output: textChunks(Promise.resolve(r)), exitCode: Promise.resolve(r.exitCode) };
  }

  /** The machine's output so far (nspawn's console: the command's or the booted init's). */
  async logText(id: WorkloadId, options: { tail?: number } = {}): Promise<{ stdout: string; stderr: string }> {
    const o = await this.#require(id);
    const read = (key: string): string => {
      const path = o.info?.[key];
      if (typeof path !== 'string' || !existsSync(path)) return '';
      const text = readFileSync(path, 'utf8');
      if (options.tail === undefined) return text;
      const lines = text.split('\n');
      const last = lines.at(-1) === '' ? lines.slice(0, -1) : lines;
      return last.slice(-options.tail).join('\n') + (last.length ? '\n' : '');
    };
    return { stdout: read('stdoutLog'), stderr: read('stderrLog') };
  }

  /** Runs a command inside the running machine (all of its namespaces, its root). */
  async execCapture(id: WorkloadId, command: string[], options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (command.length === 0) throw nspawnError(NspawnErrorCode.execFailed, 'exec needs a command', 'give the program and its arguments');
    const o = await this.#require(id);
    const leader = o.state === 'running' && o.pid !== undefined ? machineLeader(o.pid) : undefined;
    if (leader === undefined) {
      throw nspawnError(NspawnErrorCode.execFailed, `${id} is not running (${o.state})`, 'ensure the workload first', { retryable: true });
    }
    try {
      const { stdout, stderr } = await run('nsenter', ['--target', String(leader), '--mount', '--uts', '--ipc', '--net', '--pid', '--root', '--wd', '--', ...command], {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return { exitCode: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof e.code === 'number') return { exitCode: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      throw nspawnError(NspawnErrorCode.execFailed, `exec in ${id} failed: ${(error as Error).message}`, 'check that util-linux nsenter is installed and the machine runs', { cause: error, retryable: true });
    }
  }

  async #require(id: WorkloadId): Promise<ObservedWorkload> {
    const o = await this.observe(id);
    if (!o) throw new KhutulunError(NspawnErrorCode.execFailed, `no machine for workload ${id}`, { hint: 'ensure the workload first', details: { workload: id } });
    return o;
  }

  async close(): Promise<void> {
    await this.#inner.close();
  }
}

/** The machine's PID 1 as seen from the host: the first descendant of nspawn in another pid namespace. */
export function machineLeader(nspawnPid: number): number | undefined {
  const ns = (pid: number): string | undefined => {
    try {
      return readlinkSync(`/proc/${pid}/ns/pid`);
    } catch {
      return undefined;
    }
  };
  const own = ns(nspawnPid);
  const queue = [nspawnPid];
  for (let guard = 0; queue.length > 0 && guard < 64; guard++) {
    const pid = queue.shift()!;
    let children: number[] = [];
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (text) children.push(...text.split(/\s+/).map(Number));
      }
    } catch {
      children = [];
    }
    for (const child of children) {
      const childNs = ns(child);
      if (childNs !== undefined && childNs !== own) return child;
      queue.push(child);
    }
  }
  return undefined;
}
