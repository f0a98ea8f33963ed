/**
 * An in-process stand-in for PluginHost: plugins are plain JS functions. For fast tests of the
 * layers above (actors); it applies the same output checks and error codes as the real host.
 */
import { toErrorData } from '../../common/index.js';
import type { Effect, JsonValue } from '../effects.js';
import type { PluginCall, PluginCallResult, PluginEvent, PluginManifest, VertexSnapshot } from './call.js';
import { PluginErrorCode, pluginError, pluginErrorData } from './errors.js';
import { parseInvokeOutput } from './output.js';
import type { PluginHostLike } from './plugin-host.js';
import type { PluginRegistration } from './registration.js';

export type FakeHandler = (event: PluginEvent, snapshot: VertexSnapshot) => Effect[] | { effects: Effect[]; value?: JsonValue };

export class FakePluginHost implements PluginHostLike {
  readonly #defined = new Map<string, Record<string, FakeHandler>>();
  readonly #registered = new Set<string>();
  /** Every call made, in order (for assertions). */
  readonly calls: PluginCall[] = [];
  #closed = false;

  /** Defines a plugin's functions; `register` with the same id then makes it callable. */
  define(id: string, handlers: Record<string, FakeHandler>, options: { register?: boolean } = {}): this {
    this.#defined.set(id, handlers);
    if (options.register !== false) this.#registered.add(id);
    return this;
  }

  async register(registration: PluginRegistration): Promise<void> {
    if (!this.#defined.has(registration.id)) {
      throw pluginError(PluginErrorCode.load, `fake host: no functions defined for ${registration.id}`, {
        hint: 'call fake.define(id, handlers) first',
      });
    }
    this.#registered.add(registration.id);
  }

  describe(id: string): PluginManifest | undefined {
    const handlers = this.#registered.has(id) ? this.#defined.get(id) : undefined;
    return handlers ? { name: id, functions: Object.keys(handlers) } : undefined;
  }

  async call(call: PluginCall): Promise<PluginCallResult> {
    this.calls.push(call);
    if (this.#closed) return { ok: false, error: pluginErrorData(PluginErrorCode.closed, 'the plugin host is closed') };
    const handler = this.#registered.has(call.plugin) ? this.#defined.get(call.plugin)?.[call.fn] : undefined;
    if (!this.#registered.has(call.plugin)) {
      return { ok: false, error: pluginErrorData(PluginErrorCode.unknown, `no plugin ${JSON.stringify(call.plugin)} is registered`) };
    }
    if (!handler) return { ok: false, error: pluginErrorData(PluginErrorCode.failed, `${call.plugin} has no function ${call.fn}`) };
    try {
      const out = handler(call.event, call.snapshot);
      return parseInvokeOutput(JSON.stringify(Array.isArray(out) ? { effects: out } : out), call.plugin);
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  }

  async callBatch(calls: readonly PluginCall[]): Promise<PluginCallResult[]> {
    return Promise.all(calls.map((c) => this.call(c)));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
