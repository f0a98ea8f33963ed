/**
 * `definePlugin` turns a map of TypeScript handlers into the two exports of our WIT world
 * (`describe`, `invoke`). The plugin module re-exports them:
 *
 *   export const { describe, invoke } = definePlugin('my.plugin', { start: (event, vertex) => [...] });
 *
 * Runs inside the QuickJS component: no Node APIs here, only plain JS.
 */
import type { Effect, JsonValue } from '../effects.js';
import type { PluginEvent, VertexSnapshot } from '../host/call.js';

/** What a handler may return: effects, or effects plus a value (custom TOSCA functions). */
export type HandlerOutput = Effect[] | { effects?: Effect[]; value?: JsonValue };

export type PluginHandler = (event: PluginEvent, vertex: VertexSnapshot) => HandlerOutput;

/** A coded failure a handler can throw; it reaches the caller as `{ code, message, hint, retryable }`. */
export class PluginFailure extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { hint?: string; retryable?: boolean } = {}) {
    super(message);
    this.name = 'PluginFailure';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }
}

/** Throws a coded failure: `fail('KH-PROCESS-001', 'no command', { hint: 'set property command' })`. */
export function fail(code: string, message: string, options: { hint?: string; retryable?: boolean } = {}): never {
  throw new PluginFailure(code, message, options);
}

/** Returns a value (for `$ns:fn` TOSCA functions and Floria calls) with optional effects. */
export function value(result: JsonValue, effects: Effect[] = []): HandlerOutput {
  return { effects, value: result };
}

export interface PluginExports {
  describe(): string;
  invoke(fn: string, event: string, snapshot: string): string;
}

function failureJson(error: unknown): string {
  if (error instanceof PluginFailure) {
    return JSON.stringify({
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return JSON.stringify({ code: 'KH-PLUGIN-FAILED', message, retryable: false });
}

export function definePlugin(name: string, handlers: Record<string, PluginHandler>, options: { version?: string } = {}): PluginExports {
  const manifest = JSON.stringify({ name, functions: Object.keys(handlers), ...(options.version ? { version: options.version } : {}) });
  return {
    describe: () => manifest,
    invoke(fn, eventJson, snapshotJson) {
      // The err branch of result<string, string> is whatever is thrown: an Error whose message is JSON.
      try {
        const handler = Object.prototype.hasOwnProperty.call(handlers, fn) ? handlers[fn] : undefined;
        if (!handler) {
          fail('KH-PLUGIN-NOFUNC', `plugin ${name} has no function ${fn}`, {
            hint: `its functions are: ${Object.keys(handlers).join(', ')}`,
          });
        }
        const out = handler(JSON.parse(eventJson) as PluginEvent, JSON.parse(snapshotJson) as VertexSnapshot);
        return JSON.stringify(Array.isArray(out) ? { effects: out } : { effects: out.effects ?? [], value: out.value });
      } catch (error) {
        throw new Error(failureJson(error));
      }
    },
  };
}
