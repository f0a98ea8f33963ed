/**
 * Where functions live: built-ins registered by name, plus resolver hooks (the plugins layer adds
 * one that maps `<plugin>:<name>` to a Wasm call). Implementations may be sync or async.
 */
import type { Expression } from './types.js';
import type { EntityId } from '../ids.js';

export type MaybePromise<T> = T | Promise<T>;

/** Where a call is evaluated: the entity and property whose value holds it. */
export interface CallSite {
  readonly deployment?: string;
  readonly entity?: EntityId;
  readonly property?: string;
  /** The property's current value (for preparers, which coerce/validate it). */
  readonly value?: Expression;
}

export interface CallContext {
  readonly site: CallSite;
  /** Evaluates an (unevaluated, call-by-name) argument. Errors in it are thrown as KhutulunError. */
  evaluate(arg: Expression): MaybePromise<Expression>;
  readonly registry: FunctionRegistry;
}

export type FunctionImpl = (args: readonly Expression[], ctx: CallContext) => MaybePromise<Expression>;
export type FunctionResolver = (fn: string) => FunctionImpl | undefined;

export class FunctionRegistry {
  readonly #fns = new Map<string, FunctionImpl>();
  readonly #resolvers: FunctionResolver[] = [];

  /** Registers (or replaces) a function by its full name `<plugin>:<name>`. */
  register(fn: string, impl: FunctionImpl): this {
    this.#fns.set(fn, impl);
    return this;
  }

  /** Adds a resolver consulted, in order, for names not registered directly. */
  addResolver(resolver: FunctionResolver): this {
    this.#resolvers.push(resolver);
    return this;
  }

  resolve(fn: string): FunctionImpl | undefined {
    const direct = this.#fns.get(fn);
    if (direct) return direct;
    for (const r of this.#resolvers) {
      const impl = r(fn);
      if (impl) return impl;
    }
    return undefined;
  }

  names(): string[] {
    return [...this.#fns.keys()].sort();
  }
}
