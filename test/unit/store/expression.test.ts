import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KhutulunError } from '../../../common/index.js';
import {
  call,
  createFunctionRegistry,
  decodeExpression,
  encodeExpression,
  evaluate,
  evaluateOrThrow,
  expressionEquals,
  fromJson,
  map,
  stringMap,
  toJson,
  validateExpression,
  custom,
} from '../../../store/index.js';
import type { Expression } from '../../../store/index.js';

const leaf: fc.Arbitrary<Expression> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string(),
  fc.uint8Array({ maxLength: 8 }),
);
const expr: fc.Arbitrary<Expression> = fc.letrec<{ e: Expression }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('e'), { maxLength: 3 }),
    fc.array(fc.tuple(tie('e'), tie('e')), { maxLength: 3 }).map((entries) => map(entries)),
    fc.tuple(fc.constantFrom('floria:concat', 'p:f'), fc.array(tie('e'), { maxLength: 2 }), fc.constantFrom('normal', 'eager', 'lazy') as fc.Arbitrary<'normal'>).map(
      ([fn, args, mode]) => call(fn, args, mode),
    ),
    fc.tuple(fc.string({ minLength: 1 }), tie('e')).map(([k, v]) => custom(k, v)),
  ),
})).e;

describe('expression encoding', () => {
  it('storage codec is lossless', () => {
    fc.assert(
      fc.property(expr, (e) => {
        expect(expressionEquals(decodeExpression(encodeExpression(e)), e)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('JSON view: string-keyed maps are objects, and it round-trips its own output', () => {
    const e = stringMap({ port: 8080n, ratio: 0.5, tags: ['a', 'b'], blob: new Uint8Array([1, 2]), huge: 2n ** 60n });
    const j = toJson(e);
    expect(j).toEqual({ port: 8080, ratio: 0.5, tags: ['a', 'b'], blob: { $blob: 'AQI=' }, huge: { $int: String(2n ** 60n) } });
    expect(expressionEquals(fromJson(j), e)).toBe(true);
    fc.assert(
      fc.property(expr, (x) => {
        expect(toJson(fromJson(toJson(x)))).toEqual(toJson(x));
      }),
      { numRuns: 200 },
    );
  });

  it('regression: -0 keeps its sign through the JSON view and the storage codec (found by fast-check in CI)', () => {
    const e = call('floria:concat', [custom(' ', -0)]);
    expect(toJson(fromJson(toJson(e)))).toEqual(toJson(e));
    expect(Object.is(fromJson(-0), -0)).toBe(true);
    expect(expressionEquals(decodeExpression(encodeExpression(-0)), -0)).toBe(true);
    expect(Object.is(decodeExpression(encodeExpression(-0)), -0)).toBe(true);
  });

  it('regression: an integral float beyond 2^53 stays a float through the JSON view', () => {
    expect(toJson(fromJson(toJson([9007199254740992])))).toEqual([9007199254740992]);
    expect(fromJson(9007199254740992)).toBe(9007199254740992);
    expect(fromJson(42)).toBe(42n);
  });

  it('rejects non-expressions and out-of-range integers with codes', () => {
    const codeOf = (v: unknown): string | undefined => {
      try {
        validateExpression(v);
      } catch (e) {
        return (e as KhutulunError).code;
      }
      return undefined;
    };
    expect(codeOf(undefined)).toBe('KH-STORE-009');
    expect(codeOf({ a: 1 })).toBe('KH-STORE-009');
    expect(codeOf(NaN)).toBe('KH-STORE-009');
    expect(codeOf(2n ** 64n)).toBe('KH-STORE-010');
    expect(codeOf(-(2n ** 63n) - 1n)).toBe('KH-STORE-010');
    expect(codeOf({ $: 'call', fn: 'nocolon', args: [], mode: 'eager' })).toBe('KH-STORE-009');
    expect(() => fromJson({ $int: 'x' })).toThrow(KhutulunError);
  });
});

describe('evaluation', () => {
  const reg = createFunctionRegistry();

  it('dispatches only eager calls, walking lists and maps', () => {
    const lazy = call('floria:concat', ['a'], 'lazy');
    const normal = call('floria:concat', ['b'], 'normal');
    const r = evaluate([call('floria:concat', ['x', 1n, call('floria:concat', ['y'], 'eager')]), lazy, normal, stringMap({ k: call('floria:equal', [1n, 1n]) })], reg);
    expect(r).not.toBeInstanceOf(Promise);
    const { value, errors } = r as Exclude<typeof r, Promise<unknown>>;
    expect(errors).toEqual([]);
    expect(toJson(value)).toEqual(['x1y', toJson(lazy), toJson(normal), { k: true }]);
  });

  it('passes arguments by name (unevaluated) so short-circuit skips failures', () => {
    const r = evaluateOrThrow(call('floria:or', [true, call('nope:missing', [])]), reg);
    expect(r).toBe(true);
  });

  it('accumulates every error instead of failing fast', () => {
    const r = evaluate([call('nope:a', []), call('nope:b', []), call('floria:not', [1n])], reg) as { value: Expression; errors: KhutulunError[] };
    expect(r.errors.map((e) => e.code)).toEqual(['KH-STORE-018', 'KH-STORE-018', 'KH-STORE-019']);
    expect(r.value).toEqual([null, null, null]);
    expect(() => evaluateOrThrow(call('nope:a', []), reg)).toThrow(KhutulunError);
  });

  it('supports async functions through the resolver hook', async () => {
    const r2 = createFunctionRegistry().addResolver((fn) => (fn.startsWith('wasm:') ? async (args, ctx) => `async:${String(await ctx.evaluate(args[0]!))}` : undefined));
    const out = evaluate(call('floria:concat', [call('wasm:f', [call('floria:concat', ['in'])]), '!']), r2);
    expect(out).toBeInstanceOf(Promise);
    expect((await out).value).toBe('async:in!');
  });
});
