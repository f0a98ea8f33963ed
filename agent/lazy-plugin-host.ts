/**
 * A plugin host that costs nothing until a plugin is called. The agent declares the built-in
 * plugins at start (their files are checked then); the worker pool is created, and a plugin is
 * transpiled and loaded, on the first call that names it. An idle agent, or one that only runs
 * processes, never pays for the container, VM or noop plugins (~60 MB and ~2 s of CPU at start).
 */
import { PluginErrorCode } from '../plugins/index.js';
import type { PluginCall, PluginCallResult, PluginHostLike, PluginManifest, PluginRegistration } from '../plugins/index.js';
import { toErrorData } from '../common/index.js';

export class LazyPluginHost implements PluginHostLike {
  readonly #create: () => Promise<PluginHostLike>;
  #host: Promise<PluginHostLike> | undefined;
  /** The inner host once it exists (describe is synchronous). */
  #loaded: PluginHostLike | undefined;
  /** Declared, not loaded yet. */
  readonly #declared = new Map<string, PluginRegistration>();
  /** Loading or loaded: resolves once registered (rejects with the load error). */
  readonly #loading = new Map<string, Promise<void>>();
  #closed = false;

  readonly #beforeLoad: ((id: string) => void) | undefined;

  /** `beforeLoad` runs once per declared plugin, before it is loaded (e.g. to seed a cache). */
  constructor(create: () => Promise<PluginHostLike>, beforeLoad?: (id: string) => void) {
    this.#create = create;
    this.#beforeLoad = beforeLoad;
  }

  /** Makes a plugin known; it is loaded by the first call that names it. */
  declare(registration: PluginRegistration): void {
    this.#declared.set(registration.id, registration);
  }

  /** Whether a plugin is declared or registered (loaded or not). */
  knows(id: string): boolean {
    return this.#declared.has(id) || this.#loading.has(id);
  }

  /** Registers at once (user plugins: a bad component is refused now, not at its first call). */
  async register(registration: PluginRegistration): Promise<void> {
    this.#declared.delete(registration.id);
    const load = this.#inner().then((h) => h.register(registration));
    this.#loading.set(registration.id, load);
    try {
      await load;
    } catch (error) {
      this.#loading.delete(registration.id);
      throw error;
    }
  }

  call(call: PluginCall): Promise<PluginCallResult> {
    return this.callBatch([call]).then((r) => r[0]!);
  }

  async callBatch(calls: readonly PluginCall[]): Promise<PluginCallResult[]> {
    if (calls.length === 0) return [];
    if (this.#closed && !this.#host) {
      return calls.map(() => ({ ok: false, error: { code: PluginErrorCode.closed, message: 'the plugin host is closed', retryable: false, hint: 'create a new PluginHost' } }));
    }
    const failed = new Map<string, PluginCallResult>();
    for (const id of new Set(calls.map((c) => c?.plugin))) {
      if (typeof id !== 'string' || this.#closed) continue;
      const error = await this.#ensure(id);
      if (error) failed.set(id, error);
    }
    const host = await this.#inner();
    if (failed.size === 0) return host.callBatch(calls);
    // A plugin that cannot load fails its own calls, with why, and only those.
    const runnable = calls.filter((c) => !failed.has(c.plugin));
    const results = await host.callBatch(runnable);
    let k = 0;
    return calls.map((c) => failed.get(c.plugin) ?? results[k++]!);
  }

  describe(id: string): PluginManifest | undefined {
    return this.#loaded?.describe(id);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const host = this.#host;
    if (host) await (await host).close();
  }

  #inner(): Promise<PluginHostLike> {
    return (this.#host ??= this.#create().then((h) => {
      this.#loaded = h;
      // Closed while it was being created: close it too (its calls answer KH-PLUGIN-CLOSED).
      if (this.#closed) void h.close();
      return h;
    }));
  }

  /** Loads a declared plugin once; undefined when it is ready (or unknown: the host answers that). */
  async #ensure(id: string): Promise<PluginCallResult | undefined> {
    let load = this.#loading.get(id);
    if (!load) {
      const registration = this.#declared.get(id);
      if (!registration) return undefined;
      this.#declared.delete(id);
      load = this.#inner().then((h) => {
        this.#beforeLoad?.(id);
        return h.register(registration);
      });
      this.#loading.set(id, load);
    }
    try {
      await load;
      return undefined;
    } catch (error) {
      const data = toErrorData(error);
      return { ok: false, error: data.code.startsWith('KH-PLUGIN') ? data : { code: PluginErrorCode.load, message: `plugin ${id} could not be loaded: ${data.message}`, retryable: false, cause: data } };
    }
  }
}
