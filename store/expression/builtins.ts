/** Generic built-in functions (`floria:*`). TOSCA built-ins are registered by tosca/. */
import { storeError } from '../errors.js';
import type { Expression } from './types.js';
import { expressionEquals } from './types.js';
import type { CallContext, FunctionImpl, MaybePromise } from './registry.js';
import { FunctionRegistry } from './registry.js';

function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Evaluates every argument, staying synchronous when possible. */
function evalArgs(args: readonly Expression[], ctx: CallContext, f: (values: Expression[]) => Expression): MaybePromise<Expression> {
  const vals = args.map((a) => ctx.evaluate(a));
  return vals.some(isPromise) ? Promise.all(vals).then(f) : f(vals as Expression[]);
}

function text(v: Expression): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw storeError('KH-STORE-019', 'floria:concat takes only scalar arguments', { hint: 'convert lists and maps first' });
}

function bool(fn: string, v: Expression): boolean {
  if (typeof v !== 'boolean') throw storeError('KH-STORE-019', `${fn} needs boolean arguments`);
  return v;
}

export const floriaBuiltins: Readonly<Record<string, FunctionImpl>> = {
  'floria:concat': (args, ctx) => evalArgs(args, ctx, (vs) => vs.map(text).join('')),
  'floria:equal': (args, ctx) =>
    evalArgs(args, ctx, (vs) => vs.length < 2 || vs.every((v) => expressionEquals(v, vs[0]!))),
  'floria:not': (args, ctx) =>
    evalArgs(args, ctx, (vs) => {
      if (vs.length !== 1) throw storeError('KH-STORE-019', 'floria:not takes one argument');
      return !bool('floria:not', vs[0]!);
    }),
  // Short-circuit: later arguments are evaluated only when needed (call-by-name pays off here).
  'floria:and': (args, ctx) => shortCircuit(args, ctx, false),
  'floria:or': (args, ctx) => shortCircuit(args, ctx, true),
  'floria:if': (args, ctx) => {
    if (args.length !== 3) throw storeError('KH-STORE-019', 'floria:if takes (condition, then, else)');
    const c = ctx.evaluate(args[0]!);
    const pick = (v: Expression): MaybePromise<Expression> => ctx.evaluate(bool('floria:if', v) ? args[1]! : args[2]!);
    return isPromise(c) ? c.then(pick) : pick(c);
  },
};

function shortCircuit(args: readonly Expression[], ctx: CallContext, stopOn: boolean): MaybePromise<Expression> {
  const fn = stopOn ? 'floria:or' : 'floria:and';
  const step = (i: number): MaybePromise<Expression> => {
    if (i >= args.length) return !stopOn;
    const v = ctx.evaluate(args[i]!);
    const next = (x: Expression): MaybePromise<Expression> => (bool(fn, x) === stopOn ? stopOn : step(i + 1));
    return isPromise(v) ? v.then(next) : next(v);
  };
  return step(0);
}

/** A registry holding the floria built-ins. */
export function createFunctionRegistry(): FunctionRegistry {
  const reg = new FunctionRegistry();
  for (const [name, impl] of Object.entries(floriaBuiltins)) reg.register(name, impl);
  return reg;
}
