/**
 * The Wasm plugin host: a validated facade over a piscina pool. Components are transpiled with
 * jco (cached by content hash), run in worker threads, many calls per task, with a per-call
 * timeout, a memory limit and deny-by-default capabilities. `callBatch` never rejects per call:
 * each call gets its own result, and a trap, a loop or a dead worker fails only that call.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { fromErrorData, isErrorData, systemClock, toErrorData } from '../../common/index.js';
import { recordPluginCalls } from './plugin-metrics.js';
import type { Clock, ErrorData } from '../../common/index.js';
import type { PluginCall, PluginCallResult, PluginManifest } from './call.js';
import type { Effect, JsonValue } from '../effects.js';
import { PluginErrorCode, pluginError, pluginErrorData } from './errors.js';
import { isValidPluginId } from './registration.js';
import type { PluginRegistration } from './registration.js';
import { transpileCached } from './transpile-cache.js';
import { watchProgress } from './watchdog.js';
import { PROGRESS_SLOTS, PROGRESS_STARTED } from './wire.js';
import type { BatchReply, DescribeReply, LoadSpec, WireCall, WireResult, WorkerTask } from './wire.js';

export interface PluginHostOptions {
  /** Worker threads (default 2). */
  threads?: number;
  /** Longest a single call may run (default 1000 ms); a loop is cut and its worker replaced. */
  callTimeoutMs?: number;
  /** Longest loading a plugin into a worker may take (default 30 s). */
  loadTimeoutMs?: number;
  /** Per worker: JS heap limit and the most linear memory a plugin may hold (default 512). */
  maxMemoryMb?: number;
  /** Where transpiled components are kept (default $XDG_CACHE_HOME/khutulun/plugins). */
  cacheDir?: string;
  /** Most calls sent to a worker in one task (default 512). */
  maxBatch?: number;
  clock?: Clock;
}

/** The seam actors/ depend on; FakePluginHost implements it for fast tests. */
export interface PluginHostLike {
  register(registration: PluginRegistration): Promise<void>;
  call(call: PluginCall): Promise<PluginCallResult>;
  callBatch(calls: readonly PluginCall[]): Promise<PluginCallResult[]>;
  describe(id: string): PluginManifest | undefined;
  close(): Promise<void>;
}

interface Registered {
  spec: LoadSpec;
  manifest: PluginManifest;
}

function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'khutulun', 'plugins');
}

function workerLocation(): { filename: string; execArgv: string[] } {
  const self = import.meta.url;
  // From sources (vitest, tsx) the worker is TypeScript: let tsx load it.
  if (self.endsWith('.ts')) return { filename: fileURLToPath(new URL('./worker.ts', self)), execArgv: ['--import', 'tsx'] };
  return { filename: fileURLToPath(new URL('./worker.js', self)), execArgv: [] };
}

const positive = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw pluginError(PluginErrorCode.invalid, `${name} must be a positive number, got ${value}`, { hint: `omit ${name} for the default` });
  }
  return value;
};

/** A worker's answer for one call as a result (valid output arrives as its JSON text). */
function fromWire(result: WireResult): PluginCallResult {
  if (typeof result !== 'string') return result;
  const out = JSON.parse(result) as { effects?: Effect[]; value?: JsonValue };
  return out.value === undefined ? { ok: true, effects: out.effects ?? [] } : { ok: true, effects: out.effects ?? [], value: out.value };
}

export class PluginHost implements PluginHostLike {
  readonly #pool: Piscina<WorkerTask, BatchReply | DescribeReply>;
  readonly #plugins = new Map<string, Registered>();
  readonly #callTimeoutMs: number;
  readonly #loadTimeoutMs: number;
  readonly #maxMemoryBytes: number;
  readonly #cacheDir: string;
  readonly #maxBatch: number;
  readonly #threads: number;
  readonly #clock: Clock;
  #closed = false;

  private constructor(options: PluginHostOptions) {
    this.#threads = Math.floor(positive('threads', options.threads, 2));
    this.#callTimeoutMs = positive('callTimeoutMs', options.callTimeoutMs, 1000);
    this.#loadTimeoutMs = positive('loadTimeoutMs', options.loadTimeoutMs, 30_000);
    const maxMemoryMb = positive('maxMemoryMb', options.maxMemoryMb, 512);
    this.#maxMemoryBytes = maxMemoryMb * 1024 * 1024;
    this.#maxBatch = Math.floor(positive('maxBatch', options.maxBatch, 512));
    this.#cacheDir = options.cacheDir ?? defaultCacheDir();
    this.#clock = options.clock ?? systemClock;
    const { filename, execArgv } = workerLocation();
    this.#pool = new Piscina({
      filename,
      execArgv,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb },
    });
  }

  static async create(options: PluginHostOptions = {}): Promise<PluginHost> {
    return new PluginHost(options);
  }

  /** Registers (or replaces) a plugin; loads it once in a worker to check it and read its manifest. */
  async register(registration: PluginRegistration): Promise<void> {
    this.#assertOpen();
    const { id, url, bytes, grants = {} } = registration;
    if (!isValidPluginId(id)) {
      throw pluginError(PluginErrorCode.invalid, `invalid plugin id ${JSON.stringify(id)}`, {
        hint: 'use letters, digits, ".", "_", "-" and "/" segments, e.g. khutulun.process',
      });
    }
    if ((url === undefined) === (bytes === undefined)) {
      throw pluginError(PluginErrorCode.invalid, `plugin ${id}: give exactly one of url or bytes`);
    }
    let component: Uint8Array;
    if (bytes !== undefined) component = bytes;
    else {
      const path = url instanceof URL || String(url).startsWith('file:') ? fileURLToPath(url as string | URL) : String(url);
      try {
        component = await readFile(path);
      } catch (cause) {
        throw pluginError(PluginErrorCode.load, `plugin ${id}: cannot read ${path}: ${(cause as Error).message}`, {
          hint: 'check the path; built-in plugins are built by `npm run build`',
          cause,
        });
      }
    }
    const transpiled = await transpileCached(component, this.#cacheDir);
    if (!transpiled.exports.includes('invoke') || !transpiled.exports.includes('describe')) {
      throw pluginError(PluginErrorCode.load, `plugin ${id} does not export describe and invoke`, {
        hint: 'build the component for the world `plugin` in plugins/wit/khutulun.wit',
        details: { exports: transpiled.exports },
      });
    }
    const spec: LoadSpec = { id, hash: transpiled.hash, dir: transpiled.dir, imports: transpiled.imports, grants: { ...grants } };
    const progress = new SharedArrayBuffer(4 * PROGRESS_SLOTS);
    const reply = await this.#runTask<DescribeReply>({ kind: 'describe', plugin: spec, progress }, this.#loadTimeoutMs, progress);
    if (isErrorData(reply)) throw fromErrorData(reply);
    if (!reply.ok) throw fromErrorData(reply.error);
    this.#plugins.set(id, { spec, manifest: reply.manifest });
  }

  unregister(id: string): boolean {
    return this.#plugins.delete(id);
  }

  describe(id: string): PluginManifest | undefined {
    return this.#plugins.get(id)?.manifest;
  }

  /** Registered plugin ids. */
  plugins(): string[] {
    return [...this.#plugins.keys()];
  }

  async call(call: PluginCall): Promise<PluginCallResult> {
    const [result] = await this.callBatch([call]);
    return result!;
  }

  async callBatch(calls: readonly PluginCall[]): Promise<PluginCallResult[]> {
    const started = performance.now();
    const results: (PluginCallResult | undefined)[] = new Array(calls.length);
    const wire: WireCall[] = new Array(calls.length);
    // Specs as registered now: an unregister/replace during the batch does not affect it.
    const specs: Record<string, LoadSpec> = {};
    const runnable: number[] = [];
    for (const [i, call] of calls.entries()) {
      const problem = this.#callProblem(call);
      if (problem) {
        results[i] = { ok: false, error: problem };
        continue;
      }
      try {
        wire[i] = { plugin: call.plugin, fn: call.fn, event: JSON.stringify(call.event), snapshot: JSON.stringify(call.snapshot) };
        specs[call.plugin] ??= this.#plugins.get(call.plugin)!.spec;
        runnable.push(i);
      } catch (error) {
        results[i] = { ok: false, error: pluginErrorData(PluginErrorCode.invalid, `the call's event or snapshot is not JSON: ${(error as Error).message}`, {
          hint: 'pass plain data (no cycles, BigInt or functions)',
        }) };
      }
    }
    // Spread over the threads, but never more than maxBatch calls per task.
    const chunkSize = Math.max(1, Math.min(this.#maxBatch, Math.ceil(runnable.length / this.#threads)));
    const chunks: number[][] = [];
    for (let i = 0; i < runnable.length; i += chunkSize) chunks.push(runnable.slice(i, i + chunkSize));
    await Promise.all(chunks.map((chunk) => this.#runChunk(wire, specs, chunk, results)));
    const done = results.map((r): PluginCallResult => r ?? { ok: false, error: pluginErrorData(PluginErrorCode.crash, 'call produced no result') });
    recordPluginCalls(calls, done, (performance.now() - started) / 1000);
    return done;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy();
  }

  #assertOpen(): void {
    if (this.#closed) throw pluginError(PluginErrorCode.closed, 'the plugin host is closed', { hint: 'create a new PluginHost' });
  }

  #callProblem(call: PluginCall): ErrorData | undefined {
    if (this.#closed) return pluginErrorData(PluginErrorCode.closed, 'the plugin host is closed', { hint: 'create a new PluginHost' });
    if (typeof call !== 'object' || call === null) return pluginErrorData(PluginErrorCode.invalid, 'a call must be an object');
    if (!this.#plugins.has(call.plugin)) {
      return pluginErrorData(PluginErrorCode.unknown, `no plugin ${JSON.stringify(call.plugin)} is registered`, {
        hint: 'register it first (host.register) or fix the handler name `<plugin-id>:<function>`',
      });
    }
    if (typeof call.fn !== 'string' || call.fn === '') return pluginErrorData(PluginErrorCode.invalid, 'call.fn must name a function');
    if (typeof call.event?.name !== 'string') return pluginErrorData(PluginErrorCode.invalid, 'call.event.name must be a string');
    if (typeof call.snapshot?.id !== 'string') return pluginErrorData(PluginErrorCode.invalid, 'call.snapshot.id must be a string');
    return undefined;
  }

  /** Runs some calls as one task; on a cut or a crash, fails the culprit and re-runs the rest. */
  async #runChunk(
    calls: readonly WireCall[],
    specs: Readonly<Record<string, LoadSpec>>,
    indices: number[],
    results: (PluginCallResult | undefined)[],
  ): Promise<void> {
    let pending = indices;
    // Each round settles at least one call, so this ends.
    for (let round = 0; pending.length > 0 && round <= indices.length; round++) {
      const plugins: Record<string, LoadSpec> = {};
      const batch = pending.map((i) => calls[i]!);
      for (const call of batch) plugins[call.plugin] ??= specs[call.plugin]!;
      const progress = new SharedArrayBuffer(4 * PROGRESS_SLOTS);
      const task: WorkerTask = { kind: 'batch', plugins, calls: batch, progress, maxMemoryBytes: this.#maxMemoryBytes };
      const reply = await this.#runTask<BatchReply>(task, this.#loadTimeoutMs, progress);
      if (!isErrorData(reply)) {
        reply.forEach((result, k) => (results[pending[k]!] = fromWire(result)));
        return;
      }
      const started = Atomics.load(new Int32Array(progress), PROGRESS_STARTED);
      if (started === 0 || reply.code === PluginErrorCode.closed) {
        // Failed while loading (or shutting down): nothing to single out.
        for (const i of pending) results[i] = { ok: false, error: reply };
        return;
      }
      const culprit = pending[started - 1]!;
      results[culprit] = { ok: false, error: reply };
      pending = pending.filter((i) => i !== culprit);
    }
  }

  /** Runs one task under the watchdog; a cut or a dead worker comes back as ErrorData. */
  async #runTask<R extends BatchReply | DescribeReply>(task: WorkerTask, loadTimeoutMs: number, progress?: SharedArrayBuffer): Promise<R | ErrorData> {
    if (this.#closed) return pluginErrorData(PluginErrorCode.closed, 'the plugin host is closed');
    const controller = new AbortController();
    const watch = watchProgress({
      clock: this.#clock,
      progress: progress ? new Int32Array(progress) : undefined,
      callTimeoutMs: this.#callTimeoutMs,
      loadTimeoutMs,
      onStuck: () => controller.abort(),
    });
    try {
      return (await this.#pool.run(task, { signal: controller.signal })) as R;
    } catch (error) {
      if (this.#closed) return pluginErrorData(PluginErrorCode.closed, 'the plugin host was closed during the call');
      if (controller.signal.aborted) {
        const loading = progress === undefined || Atomics.load(new Int32Array(progress), PROGRESS_STARTED) === 0;
        return pluginErrorData(
          PluginErrorCode.timeout,
          loading ? `loading the plugin took longer than ${loadTimeoutMs} ms` : `the call ran longer than ${this.#callTimeoutMs} ms and was cut`,
          { hint: 'an endless loop in the plugin? its worker was replaced; fix the plugin or raise callTimeoutMs' },
        );
      }
      const data = toErrorData(error);
      return pluginErrorData(PluginErrorCode.crash, `the plugin worker died: ${data.message}`, {
        hint: 'the plugin exceeded the worker memory (maxMemoryMb) or crashed it; the worker was replaced',
        retryable: true,
      });
    } finally {
      watch.stop();
    }
  }
}
