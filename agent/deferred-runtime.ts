/**
 * A container engine whose API did not answer when the host opened. Boot order is not ours to
 * choose (the agent may start before podman.socket), so it keeps probing in the background and,
 * once the engine answers, delegates to it and tells the host, which publishes the new capability
 * so placement starts sending containers here. Until then a Container node fails with a coded,
 * retryable error (instead of "no runtime adapter named podman") while processes still run, and
 * remove fails retryable, so the store keeps the node until the engine answers.
 */
import { KhutulunError, systemClock } from '../common/index.js';
import type { Clock, TimerHandle } from '../common/index.js';
import type { ObservedWorkload, WorkloadId, WorkloadSpec } from '../runtimes/workload.js';
import type { EnsureOptions, ExecOptions, ExecSession, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtimes/runtime-adapter.js';
import { unsupported } from '../runtimes/workload-io.js';

export interface DeferredRuntimeOptions {
  readonly name: string;
  /** Where the engine is expected (named in the error). */
  readonly socket: string;
  /** Opens the engine if it answers now, else undefined. */
  readonly open: () => Promise<RuntimeAdapter | undefined>;
  /** Called once, when the engine first answers. */
  readonly onAvailable?: (runtime: RuntimeAdapter) => void;
  /** How often to probe in the background (default 5 s); a call probes at most this often too. */
  readonly retryMs?: number;
  readonly clock?: Clock;
}

export class DeferredRuntime implements RuntimeAdapter {
  readonly name: string;
  readonly #o: DeferredRuntimeOptions;
  readonly #clock: Clock;
  readonly #retryMs: number;
  readonly #listeners = new Map<(event: RuntimeEvent) => void, () => void>();
  #inner: RuntimeAdapter | undefined;
  #probing: Promise<RuntimeAdapter | undefined> | undefined;
  #lastProbe: number;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(options: DeferredRuntimeOptions) {
    this.name = options.name;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#retryMs = options.retryMs ?? 5000;
    this.#lastProbe = this.#clock.now();
    this.#schedule();
  }

  /** True once the engine answered: the host may advertise it. */
  get available(): boolean {
    return this.#inner !== undefined;
  }

  #schedule(): void {
    if (this.#closed || this.#inner) return;
    this.#timer = this.#clock.setTimeout(() => {
      void this.#current(true).finally(() => this.#schedule());
    }, this.#retryMs);
  }

  /** The engine, probing first if it is not known yet and the last probe is old enough. */
  #current(force = false): Promise<RuntimeAdapter | undefined> {
    if (this.#inner || this.#closed) return Promise.resolve(this.#inner);
    if (this.#probing) return this.#probing;
    if (!force && this.#clock.now() - this.#lastProbe < this.#retryMs) return Promise.resolve(undefined);
    this.#lastProbe = this.#clock.now();
    this.#probing = this.#o
      .open()
      .catch(() => undefined)
      .then(async (adapter) => {
        if (adapter && this.#closed) await adapter.close().catch(() => undefined);
        else if (adapter) this.#adopt(adapter);
        return this.#inner;
      })
      .finally(() => (this.#probing = undefined));
    return this.#probing;
  }

  #adopt(adapter: RuntimeAdapter): void {
    this.#inner = adapter;
    this.#timer?.cancel();
    for (const listener of this.#listeners.keys()) this.#listeners.set(listener, adapter.subscribe(listener));
    try {
      this.#o.onAvailable?.(adapter);
    } catch {
      // The engine is adopted either way; a failing listener must not fail the call that probed.
    }
  }

  #error(id?: WorkloadId): KhutulunError {
    const what = id === undefined ? '' : `, so ${id} cannot run`;
    return new KhutulunError('KH-AGENT-RUNTIME-DOWN', `${this.name} is not reachable on this host (API socket ${this.#o.socket} does not answer)${what}`, {
      hint: `start the ${this.name} API service (\`systemctl start ${this.name}.socket\`, or \`${this.name} system service --time=0 unix://${this.#o.socket}\`); the agent notices within ${Math.round(this.#retryMs / 1000)} s and retries`,
      retryable: true,
    });
  }

  async ready(): Promise<void> {
    const inner = await this.#current();
    if (!inner) throw this.#error();
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec, options?: EnsureOptions): Promise<ObservedWorkload> {
    const inner = await this.#current();
    if (!inner) throw this.#error(id);
    return inner.ensure(id, spec, options);
  }

  /** Unknown while down: nothing is reported as running (the owner then tries ensure, which says why not). */
  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    return (await this.#current())?.observe(id);
  }

  async remove(id: WorkloadId, options?: RemoveOptions): Promise<void> {
    const inner = await this.#current();
    if (!inner) throw this.#error(id);
    return inner.remove(id, options);
  }

  async list(): Promise<ObservedWorkload[]> {
    return (await this.#current())?.list() ?? [];
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.set(listener, this.#inner?.subscribe(listener) ?? (() => undefined));
    return () => {
      this.#listeners.get(listener)?.();
      this.#listeners.delete(listener);
    };
  }

  async *logs(id: WorkloadId, options?: LogReadOptions): AsyncIterable<LogChunk> {
    const inner = await this.#current();
    if (!inner) throw this.#error(id);
    if (!inner.logs) throw unsupported(inner.name, 'logs');
    yield* inner.logs(id, options);
  }

  async exec(id: WorkloadId, command: readonly string[], options?: ExecOptions): Promise<ExecSession> {
    const inner = await this.#current();
    if (!inner) throw this.#error(id);
    if (!inner.exec) throw unsupported(inner.name, 'exec');
    return inner.exec(id, command, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    await this.#probing;
    await this.#inner?.close();
  }
}
