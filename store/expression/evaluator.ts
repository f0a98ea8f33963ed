/**
 * Evaluates an expression: walks lists, maps and custom values, dispatches only EAGER calls
 * (normal and lazy calls stay as values), passes arguments unevaluated (call-by-name), and
 * accumulates errors instead of failing fast (a failed call evaluates to null). Stays synchronous
 * when every function answers synchronously.
 */
import { KhutulunError, asKhutulunError } from '../../common/index.js';
import { storeError } from '../errors.js';
import type { Expression } from './types.js';
import { isMap, isCall, isCustom } from './types.js';
import type { CallContext, CallSite, FunctionRegistry, MaybePromise } from './registry.js';

export interface Evaluation {
  readonly value: Expression;
  readonly errors: readonly KhutulunError[];
}

function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

function all(items: MaybePromise<Expression>[]): MaybePromise<Expression[]> {
  return items.some(isPromise) ? Promise.all(items) : (items as Expression[]);
}

function then<T, U>(v: MaybePromise<T>, f: (x: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(v) ? v.then(f) : f(v);
}

/** Evaluates and collects every error; sync when possible. */
export function evaluate(expr: Expression, registry: FunctionRegistry, site: CallSite = {}): MaybePromise<Evaluation> {
  const errors: KhutulunError[] = [];
  const value = walk(expr, registry, site, errors, 0);
  return then(value, (v) => ({ value: v, errors }));
}

/** Like evaluate, but throws (rejects) with the first error when any occurred; details list all. */
export function evaluateOrThrow(expr: Expression, registry: FunctionRegistry, site: CallSite = {}): MaybePromise<Expression> {
  return then(evaluate(expr, registry, site), (r) => {
    if (r.errors.length === 0) return r.value;
    const first = r.errors[0]!;
    if (r.errors.length === 1) throw first;
    throw new KhutulunError(first.code, `${r.errors.length} errors; first: ${first.message}`, {
      ...(first.hint !== undefined ? { hint: first.hint } : {}),
      details: { errors: r.errors.map((e) => e.toJSON()) },
      cause: first,
    });
  });
}

function walk(e: Expression, reg: FunctionRegistry, site: CallSite, errors: KhutulunError[], depth: number): MaybePromise<Expression> {
  if (depth > 256) {
    errors.push(storeError('KH-STORE-019', 'evaluation nested deeper than 256 calls', { hint: 'look for a function that calls itself' }));
    return null;
  }
  if (e === null || typeof e !== 'object' || e instanceof Uint8Array) return e;
  if (Array.isArray(e)) return all(e.map((x) => walk(x, reg, site, errors, depth + 1)));
  if (isMap(e)) {
    const parts: MaybePromise<Expression>[] = [];
    for (const [k, v] of e.entries) parts.push(walk(k, reg, site, errors, depth + 1), walk(v, reg, site, errors, depth + 1));
    return then(all(parts), (flat) => {
      const entries: [Expression, Expression][] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push([flat[i]!, flat[i + 1]!]);
      return { $: 'map', entries } as Expression;
    });
  }
  if (isCustom(e)) return then(walk(e.value, reg, site, errors, depth + 1), (value) => ({ $: 'custom', kind: e.kind, value }) as Expression);
  if (isCall(e)) {
    if (e.mode !== 'eager') return e;
    const impl = reg.resolve(e.fn);
    if (!impl) {
      errors.push(storeError('KH-STORE-018', `unknown function ${e.fn}`, { hint: 'register it or load the plugin that provides it', details: { fn: e.fn } }));
      return null;
    }
    const ctx: CallContext = {
      site,
      registry: reg,
      evaluate: (arg) => {
        const inner: KhutulunError[] = [];
        return then(walk(arg, reg, site, inner, depth + 1), (v) => {
          if (inner.length > 0) throw inner[0]!;
          return v;
        });
      },
    };
    const fail = (err: unknown): Expression => {
      const k = asKhutulunError(err, 'KH-STORE-019');
      errors.push(k.code.startsWith('KH-') ? k : storeError('KH-STORE-019', `${e.fn}: ${k.message}`, { cause: err }));
      return null;
    };
    try {
      const out = impl(e.args, ctx);
      return isPromise(out) ? out.catch(fail) : out;
    } catch (err) {
      return fail(err);
    }
  }
  return e;
}
