/**
 * The TOSCA 2.0 built-in functions that need no graph (§10.2.2–10.2.5): boolean logic, comparison,
 * list/map/string tests, string/list functions, set functions and arithmetic. Registered as
 * `tosca:<name>` (the compiler turns `$name` into a call of `tosca:name`).
 */
import type { Expression, FunctionImpl, MaybePromise } from '../../store/index.js';
import { isList, isMap } from '../../store/index.js';
import { arity, expectBoolean, expectInteger, expectList, expectString, isPromise, withArgs } from './args.js';
import { toscaCompare, toscaEquals, typeName } from './compare.js';
import { functionError, isScalar, rescale, scalarParts } from './typed-values.js';

function entriesOf(fn: string, v: Expression): Expression[] {
  if (isList(v)) return [...v];
  if (isMap(v)) return v.entries.map(([, x]) => x);
  throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: first argument must be a list or a map`);
}

function keysOf(fn: string, v: Expression): Expression[] {
  if (isMap(v)) return v.entries.map(([k]) => k);
  throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: first argument must be a map`);
}

const includes = (list: readonly Expression[], x: Expression): boolean => list.some((y) => toscaEquals(x, y));

function sequenceTest(fn: string, a: Expression, b: Expression, test: (s: string, t: string) => boolean, lists: (x: readonly Expression[], y: readonly Expression[]) => boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string') return test(a, b);
  if (isList(a) && isList(b)) return lists(a, b);
  throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: both arguments must be strings or both lists`);
}

function listAt(x: readonly Expression[], y: readonly Expression[], at: number): boolean {
  return at >= 0 && at + y.length <= x.length && y.every((v, i) => toscaEquals(x[at + i]!, v));
}

function compare(fn: string, ok: (c: number) => boolean): FunctionImpl {
  return (args, ctx) => {
    arity(fn, args, 2);
    return withArgs(args, ctx, ([a, b]) => ok(toscaCompare(`$${fn}`, a!, b!)));
  };
}

function logic(fn: string, stopOn: boolean): FunctionImpl {
  return (args, ctx) => {
    arity(fn, args, 1, Infinity);
    const step = (i: number): MaybePromise<Expression> => {
      if (i >= args.length) return !stopOn;
      const v = ctx.evaluate(args[i]!);
      const next = (x: Expression): MaybePromise<Expression> => (expectBoolean(fn, x) === stopOn ? stopOn : step(i + 1));
      return isPromise(v) ? v.then(next) : next(v);
    };
    return step(0);
  };
}

/** Numbers of one kind for arithmetic: all integers, all floats, or scalars (+ a number factor). */
function numeric(fn: string, v: Expression): number | bigint {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: ${typeName(v)} is not a number`);
}

function sameKind(fn: string, values: Expression[]): 'integer' | 'float' | 'scalar' {
  const kinds = new Set(values.map(typeName));
  if (kinds.size !== 1) throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: arguments must have the same type, got ${[...kinds].join(', ')}`, 'no implicit conversions: use $round/$floor/$ceil or write 1.0');
  const k = [...kinds][0]!;
  if (k === 'integer' || k === 'float') return k;
  if (k.startsWith('scalar(')) return 'scalar';
  throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: ${k} values cannot be added`);
}

export const toscaBuiltins: Readonly<Record<string, FunctionImpl>> = {
  'tosca:and': logic('and', false),
  'tosca:or': logic('or', true),
  'tosca:not': (args, ctx) => {
    arity('not', args, 1);
    return withArgs(args, ctx, ([a]) => !expectBoolean('not', a!));
  },
  'tosca:xor': (args, ctx) => {
    arity('xor', args, 2);
    return withArgs(args, ctx, ([a, b]) => expectBoolean('xor', a!) !== expectBoolean('xor', b!));
  },
  'tosca:equal': (args, ctx) => {
    arity('equal', args, 2);
    return withArgs(args, ctx, ([a, b]) => {
      if (a !== null && b !== null && typeName(a!) !== typeName(b!)) {
        throw functionError('KH-TOSCA-FN-TYPE', `$equal: cannot compare ${typeName(a!)} with ${typeName(b!)}`, 'compare values of the same type');
      }
      return toscaEquals(a!, b!);
    });
  },
  'tosca:greater_than': compare('greater_than', (c) => c > 0),
  'tosca:greater_or_equal': compare('greater_or_equal', (c) => c >= 0),
  'tosca:less_than': compare('less_than', (c) => c < 0),
  'tosca:less_or_equal': compare('less_or_equal', (c) => c <= 0),
  'tosca:valid_values': (args, ctx) => {
    arity('valid_values', args, 2);
    return withArgs(args, ctx, ([a, list]) => includes(expectList('valid_values', list!, 'second argument'), a!));
  },
  'tosca:matches': (args, ctx) => {
    arity('matches', args, 2);
    return withArgs(args, ctx, ([s, re]) => {
      const pattern = expectString('matches', re!, 'pattern');
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, 'u');
      } catch (error) {
        throw functionError('KH-TOSCA-FN-REGEX', `$matches: invalid pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`);
      }
      return regex.test(expectString('matches', s!));
    });
  },
  'tosca:has_suffix': (args, ctx) => {
    arity('has_suffix', args, 2);
    return withArgs(args, ctx, ([a, b]) => sequenceTest('has_suffix', a!, b!, (s, t) => s.endsWith(t), (x, y) => listAt(x, y, x.length - y.length)));
  },
  'tosca:has_prefix': (args, ctx) => {
    arity('has_prefix', args, 2);
    return withArgs(args, ctx, ([a, b]) => sequenceTest('has_prefix', a!, b!, (s, t) => s.startsWith(t), (x, y) => listAt(x, y, 0)));
  },
  'tosca:contains': (args, ctx) => {
    arity('contains', args, 2);
    return withArgs(args, ctx, ([a, b]) =>
      sequenceTest('contains', a!, b!, (s, t) => s.includes(t), (x, y) => y.length === 0 || x.some((_, i) => listAt(x, y, i))),
    );
  },
  'tosca:has_entry': (args, ctx) => {
    arity('has_entry', args, 2);
    return withArgs(args, ctx, ([a, b]) => includes(entriesOf('has_entry', a!), b!));
  },
  'tosca:has_key': (args, ctx) => {
    arity('has_key', args, 2);
    return withArgs(args, ctx, ([a, b]) => includes(keysOf('has_key', a!), b!));
  },
  'tosca:has_all_entries': (args, ctx) => {
    arity('has_all_entries', args, 2);
    return withArgs(args, ctx, ([a, b]) => expectList('has_all_entries', b!).every((x) => includes(entriesOf('has_all_entries', a!), x)));
  },
  'tosca:has_all_keys': (args, ctx) => {
    arity('has_all_keys', args, 2);
    return withArgs(args, ctx, ([a, b]) => expectList('has_all_keys', b!).every((x) => includes(keysOf('has_all_keys', a!), x)));
  },
  'tosca:has_any_entry': (args, ctx) => {
    arity('has_any_entry', args, 2);
    return withArgs(args, ctx, ([a, b]) => expectList('has_any_entry', b!).some((x) => includes(entriesOf('has_any_entry', a!), x)));
  },
  'tosca:has_any_key': (args, ctx) => {
    arity('has_any_key', args, 2);
    return withArgs(args, ctx, ([a, b]) => expectList('has_any_key', b!).some((x) => includes(keysOf('has_any_key', a!), x)));
  },
  'tosca:length': (args, ctx) => {
    arity('length', args, 1);
    return withArgs(args, ctx, ([a]) => {
      if (typeof a === 'string') return BigInt([...a].length);
      if (isList(a!)) return BigInt(a.length);
      if (isMap(a!)) return BigInt(a.entries.length);
      throw functionError('KH-TOSCA-FN-TYPE', '$length: argument must be a string, list or map');
    });
  },
  'tosca:concat': (args, ctx) => {
    arity('concat', args, 1, Infinity);
    return withArgs(args, ctx, (vs) => {
      if (vs.every((v) => typeof v === 'string')) return vs.join('');
      if (vs.every((v) => isList(v))) return vs.flatMap((v) => [...(v as readonly Expression[])]);
      // Lenient for scalars mixed into strings (URLs built from ports): render them as text.
      if (vs.every((v) => v === null || ['string', 'bigint', 'number', 'boolean'].includes(typeof v))) return vs.map((v) => (v === null ? '' : String(v))).join('');
      throw functionError('KH-TOSCA-FN-TYPE', '$concat: arguments must be all strings or all lists');
    });
  },
  'tosca:join': (args, ctx) => {
    arity('join', args, 1, 2);
    return withArgs(args, ctx, ([list, delim]) => {
      const items = expectList('join', list!, 'first argument').map((x) => expectString('join', x, 'list entry'));
      return items.join(delim === undefined ? '' : expectString('join', delim, 'delimiter'));
    });
  },
  'tosca:token': (args, ctx) => {
    arity('token', args, 3);
    return withArgs(args, ctx, ([s, chars, index]) => {
      const text = expectString('token', s!);
      const separators = [...expectString('token', chars!, 'token characters')];
      const i = Number(expectInteger('token', index!, 'substring index'));
      const parts: string[] = [];
      let current = '';
      for (const ch of text) {
        if (separators.includes(ch)) {
          parts.push(current);
          current = '';
        } else current += ch;
      }
      parts.push(current);
      const part = parts[i];
      if (part === undefined) throw functionError('KH-TOSCA-FN-RANGE', `$token: index ${i} is out of range (${parts.length} substrings)`);
      return part;
    });
  },
  'tosca:union': (args, ctx) => {
    arity('union', args, 1, Infinity);
    return withArgs(args, ctx, (vs) => {
      const out: Expression[] = [];
      for (const v of vs) for (const x of expectList('union', v)) if (!includes(out, x)) out.push(x);
      return out;
    });
  },
  'tosca:intersection': (args, ctx) => {
    arity('intersection', args, 1, Infinity);
    return withArgs(args, ctx, (vs) => {
      const lists = vs.map((v) => expectList('intersection', v));
      const out: Expression[] = [];
      for (const x of lists[0]!) if (!includes(out, x) && lists.every((l) => includes(l, x))) out.push(x);
      return out;
    });
  },
  'tosca:sum': (args, ctx) => {
    arity('sum', args, 1, Infinity);
    return withArgs(args, ctx, (vs) => {
      const kind = sameKind('sum', vs);
      if (kind === 'scalar') return rescale(scalarParts(vs[0] as never), vs.reduce<number>((s, v) => s + scalarParts(v as never).canonical, 0));
      if (kind === 'integer') return vs.reduce<bigint>((s, v) => s + (v as bigint), 0n);
      return vs.reduce<number>((s, v) => s + (v as number), 0);
    });
  },
  'tosca:difference': (args, ctx) => {
    arity('difference', args, 2);
    return withArgs(args, ctx, (vs) => {
      const kind = sameKind('difference', vs);
      const [a, b] = vs as [Expression, Expression];
      if (kind === 'scalar') return rescale(scalarParts(a as never), scalarParts(a as never).canonical - scalarParts(b as never).canonical);
      if (kind === 'integer') return (a as bigint) - (b as bigint);
      return (a as number) - (b as number);
    });
  },
  'tosca:product': (args, ctx) => {
    arity('product', args, 2, Infinity);
    return withArgs(args, ctx, (vs) => {
      if (isScalar(vs[0]!)) {
        arity('product', vs, 2);
        const factor = Number(numeric('product', vs[1]!));
        return rescale(scalarParts(vs[0] as never), scalarParts(vs[0] as never).canonical * factor);
      }
      const nums = vs.map((v) => numeric('product', v));
      if (nums.every((n) => typeof n === 'bigint')) return (nums as bigint[]).reduce((p, n) => p * n, 1n);
      return nums.reduce<number>((p, n) => p * Number(n), 1);
    });
  },
  'tosca:quotient': (args, ctx) => {
    arity('quotient', args, 2);
    return withArgs(args, ctx, ([a, b]) => {
      const divisor = Number(numeric('quotient', b!));
      if (divisor === 0) throw functionError('KH-TOSCA-FN-RANGE', '$quotient: division by zero');
      if (isScalar(a!)) return rescale(scalarParts(a as never), scalarParts(a as never).canonical / divisor);
      return Number(numeric('quotient', a!)) / divisor;
    });
  },
  'tosca:remainder': (args, ctx) => {
    arity('remainder', args, 2);
    return withArgs(args, ctx, ([a, b]) => {
      const divisor = expectInteger('remainder', b!, 'second argument');
      if (divisor === 0n) throw functionError('KH-TOSCA-FN-RANGE', '$remainder: division by zero');
      if (isScalar(a!)) {
        const p = scalarParts(a as never);
        return rescale(p, p.canonical % Number(divisor));
      }
      return expectInteger('remainder', a!, 'first argument') % divisor;
    });
  },
  'tosca:round': (args, ctx) => {
    arity('round', args, 1);
    // §10.2.5.6: ties round DOWN (3.5 -> 3).
    return withArgs(args, ctx, ([a]) => BigInt(Math.ceil(floatArg('round', a!) - 0.5)));
  },
  'tosca:floor': (args, ctx) => {
    arity('floor', args, 1);
    return withArgs(args, ctx, ([a]) => BigInt(Math.floor(floatArg('floor', a!))));
  },
  'tosca:ceil': (args, ctx) => {
    arity('ceil', args, 1);
    return withArgs(args, ctx, ([a]) => BigInt(Math.ceil(floatArg('ceil', a!))));
  },
};

function floatArg(fn: string, v: Expression): number {
  if (typeof v !== 'number') throw functionError('KH-TOSCA-FN-TYPE', `$${fn}: argument must be a float, got ${typeName(v)}`);
  if (!Number.isFinite(v)) throw functionError('KH-TOSCA-FN-RANGE', `$${fn}: ${v} is not finite`);
  return v;
}

