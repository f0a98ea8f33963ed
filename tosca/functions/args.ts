/** Argument plumbing shared by the TOSCA built-ins: call-by-name evaluation that stays sync when it can. */
import type { CallContext, Expression, MaybePromise } from '../../store/index.js';
import { functionError } from './typed-values.js';

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

export function andThen<T, U>(v: MaybePromise<T>, f: (x: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(v) ? v.then(f) : f(v);
}

/** Evaluates all arguments, then calls f with the values. */
export function withArgs(
  args: readonly Expression[],
  ctx: CallContext,
  f: (values: Expression[]) => MaybePromise<Expression>,
): MaybePromise<Expression> {
  const vals = args.map((a) => ctx.evaluate(a));
  return vals.some(isPromise) ? Promise.all(vals).then(f) : f(vals as Expression[]);
}

export function arity(fn: string, args: readonly unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw functionError('KH-TOSCA-FN-ARITY', `$${fn} takes ${want} argument(s), got ${args.length}`, `see TOSCA 2.0 §10.2 for $${fn}`);
  }
}

export function expectString(fn: string, v: Expression, what = 'argument'): string {
  if (typeof v !== 'string') throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: ${what} must be a string`);
  return v;
}

export function expectBoolean(fn: string, v: Expression): boolean {
  if (typeof v !== 'boolean') throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: arguments must be booleans`);
  return v;
}

export function expectInteger(fn: string, v: Expression, what = 'argument'): bigint {
  if (typeof v !== 'bigint') throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: ${what} must be an integer`);
  return v;
}

export function expectList(fn: string, v: Expression, what = 'argument'): readonly Expression[] {
  if (!Array.isArray(v)) throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: ${what} must be a list`);
  return v as readonly Expression[];
}
