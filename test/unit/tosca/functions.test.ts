import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { call, createFunctionRegistry, evaluate, stringMap } from '../../../store/index.js';
import type { Expression } from '../../../store/index.js';
import {
  registerToscaFunctions,
  scalarValue,
  versionValue,
  timestampValue,
  toscaCompare,
  TOSCA_FUNCTION_NAMES,
} from '../../../tosca/functions/index.js';
import type { ToscaGraph, ToscaNode, ToscaRelationship, ToscaCapability } from '../../../tosca/functions/index.js';

/** A tiny graph: web -(db requirement)-> db (capability endpoint with port 5432). */
function graph(): ToscaGraph {
  const db: ToscaNode = {
    kind: 'node', id: 'db-0', template: 'db', index: 0,
    property: (n) => ({ name: 'orders', tags: ['a', 'b'] } as Record<string, Expression>)[n],
    attribute: (n) => (n === 'state' ? 'started' : undefined),
    capability: (n) => (n === 'endpoint' ? endpoint : undefined),
    relationships: () => [],
    artifact: () => undefined,
  };
  const rel: ToscaRelationship = {
    kind: 'relationship', id: 'e1', requirement: 'database', index: 0,
    source: () => web[0]!, target: () => db, capability: () => endpoint,
    property: (n) => (n === 'weight' ? 3n : undefined), attribute: () => undefined,
  };
  const endpoint: ToscaCapability = {
    kind: 'capability', name: 'endpoint', node: db,
    property: (n) => (n === 'port' ? 5432n : n === 'mem' ? scalarValue({ type: 'scalar-unit.size', amount: 1n, unit: 'GB', canonical: 1e9 }) : undefined),
    attribute: () => undefined,
    incoming: () => [rel],
    allocated: (n) => (n === 'mem' ? scalarValue({ type: 'scalar-unit.size', amount: 256n, unit: 'MB', canonical: 256e6 }) : undefined),
  };
  const web: ToscaNode[] = [0, 1].map((i) => ({
    kind: 'node', id: `web-${i}`, template: 'web', index: i,
    property: (n: string) => (n === 'port' ? BigInt(8080 + i) : undefined),
    attribute: () => undefined,
    capability: () => undefined,
    relationships: (r: string) => (r === 'database' ? [rel] : []),
    artifact: (n: string) => (n === 'zip' ? '/artifacts/site.zip' : undefined),
  }));
  return {
    input: (n) => (n === 'net' ? stringMap({ name: 'lan', ips: ['10.0.0.1', '10.0.0.2'] }) : n === 'cpus' ? 2n : undefined),
    hasInput: (n) => n === 'net' || n === 'cpus' || n === 'empty',
    nodes: (t) => (t === 'web' ? web : t === 'db' ? [db] : []),
    self: (site) => (site.entity?.name === 'web-1' ? web[1] : site.entity?.name === 'e1' ? rel : undefined),
  };
}

async function run(fn: string, args: Expression[], site = {}) {
  const reg = registerToscaFunctions(createFunctionRegistry(), graph());
  const r = await evaluate(call(`tosca:${fn}`, args), reg, site);
  return r;
}
async function value(fn: string, args: Expression[], site = {}) {
  const r = await run(fn, args, site);
  expect(r.errors.map((e) => e.message)).toEqual([]);
  return r.value;
}
async function errorCode(fn: string, args: Expression[], site = {}) {
  const r = await run(fn, args, site);
  expect(r.errors.length).toBeGreaterThan(0);
  return r.errors[0]!.code;
}

const selfWeb = { entity: { kind: 'vertex' as const, directory: [], name: 'web-1' } };

describe('TOSCA built-in functions', () => {
  it('covers every function name of §10.2', () => {
    for (const n of ['get_input', 'get_property', 'get_attribute', 'get_artifact', 'value', 'node_index', 'relationship_index',
      'available_allocation', 'and', 'or', 'not', 'xor', 'equal', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal',
      'valid_values', 'matches', 'has_suffix', 'has_prefix', 'contains', 'has_entry', 'has_key', 'has_all_entries', 'has_all_keys',
      'has_any_entry', 'has_any_key', 'length', 'concat', 'join', 'token', 'union', 'intersection', 'sum', 'difference', 'product',
      'quotient', 'remainder', 'round', 'floor', 'ceil']) {
      expect(TOSCA_FUNCTION_NAMES).toContain(n);
    }
  });

  it('boolean logic short-circuits and rejects non-booleans', async () => {
    expect(await value('and', [true, call('tosca:not', [false])])).toBe(true);
    // The second argument would fail, but $or stops at the first true.
    expect(await value('or', [true, call('tosca:length', [5n])])).toBe(true);
    expect(await value('xor', [true, true])).toBe(false);
    expect(await errorCode('and', [true, 'yes'])).toBe('KH-TOSCA-FN-TYPE');
  });

  it('compares without implicit conversions and type-aware for typed values', async () => {
    expect(await value('equal', [1n, 1n])).toBe(true);
    expect(await errorCode('equal', [1n, 1.0])).toBe('KH-TOSCA-FN-TYPE');
    expect(await value('greater_than', [versionValue('1.10.0'), versionValue('1.9.3')])).toBe(true);
    expect(await value('less_than', [versionValue('1.0.0.alpha-1'), versionValue('1.0.0.alpha-2')])).toBe(true);
    const gb = scalarValue({ type: 'scalar-unit.size', amount: 1n, unit: 'GB', canonical: 1e9 });
    const mb = scalarValue({ type: 'scalar-unit.size', amount: 256n, unit: 'MB', canonical: 256e6 });
    expect(await value('greater_or_equal', [gb, mb])).toBe(true);
    expect(await value('equal', [timestampValue('2025-07-22T10:00:00Z'), timestampValue('2025-07-22T12:00:00+02:00')])).toBe(true);
    expect(await errorCode('less_than', [gb, 3n])).toBe('KH-TOSCA-FN-TYPE');
  });

  it('list, map and string tests', async () => {
    const m = stringMap({ a: 1n, b: 2n });
    expect(await value('has_suffix', ['hello.yaml', '.yaml'])).toBe(true);
    expect(await value('has_prefix', [[1n, 2n, 3n], [1n, 2n]])).toBe(true);
    expect(await value('contains', [[1n, 2n, 3n], [2n, 3n]])).toBe(true);
    expect(await value('contains', [[1n, 2n, 3n], [3n, 2n]])).toBe(false);
    expect(await value('has_entry', [m, 2n])).toBe(true);
    expect(await value('has_key', [m, 'b'])).toBe(true);
    expect(await value('has_all_keys', [m, ['a', 'b']])).toBe(true);
    expect(await value('has_any_entry', [[1n], [5n, 1n]])).toBe(true);
    expect(await value('valid_values', ['x', ['y', 'z']])).toBe(false);
    expect(await value('matches', ['abc-12', '^[a-z]+-\\d+$'])).toBe(true);
    expect(await errorCode('matches', ['a', '('])).toBe('KH-TOSCA-FN-REGEX');
  });

  it('string, list and set functions', async () => {
    expect(await value('length', ['héllo'])).toBe(5n);
    expect(await value('concat', ['http://', 'host', ':', '80'])).toBe('http://host:80');
    expect(await value('concat', [[1n], [2n, 3n]])).toEqual([1n, 2n, 3n]);
    expect(await value('join', [['a', 'b', 'c'], '_'])).toBe('a_b_c');
    expect(await value('token', ['10.0.0.1:8080', ':', 1n])).toBe('8080');
    expect(await errorCode('token', ['a:b', ':', 5n])).toBe('KH-TOSCA-FN-RANGE');
    expect(await value('union', [[1n, 2n], [2n, 3n]])).toEqual([1n, 2n, 3n]);
    expect(await value('intersection', [[1n, 2n, 2n], [2n, 3n]])).toEqual([2n]);
  });

  it('arithmetic keeps types and rounds ties down', async () => {
    expect(await value('sum', [1n, 2n, 3n])).toBe(6n);
    expect(await errorCode('sum', [1n, 2.5])).toBe('KH-TOSCA-FN-TYPE');
    expect(await value('product', [2n, 3n])).toBe(6n);
    expect(await value('product', [2n, 1.5])).toBe(3);
    expect(await value('quotient', [7n, 2n])).toBe(3.5);
    expect(await value('remainder', [7n, 2n])).toBe(1n);
    expect(await value('round', [3.5])).toBe(3n);
    expect(await value('round', [3.53])).toBe(4n);
    expect(await value('floor', [-1.5])).toBe(-2n);
    expect(await value('ceil', [1.2])).toBe(2n);
    expect(await errorCode('quotient', [1n, 0n])).toBe('KH-TOSCA-FN-RANGE');
  });

  it('graph queries follow TOSCA paths', async () => {
    expect(await value('get_input', ['net', 'ips', 1n])).toBe('10.0.0.2');
    expect(await errorCode('get_input', ['nope'])).toBe('KH-TOSCA-FN-MISSING');
    expect(await value('get_property', ['db', 'name'])).toBe('orders');
    expect(await value('get_property', ['web', 1n, 'port'])).toBe(8081n);
    expect(await value('get_property', ['web', 'ALL', 'port'])).toEqual([8080n, 8081n]);
    expect(await value('get_property', ['SELF', 'RELATIONSHIP', 'database', 'TARGET', 'CAPABILITY', 'endpoint', 'port'], selfWeb)).toBe(5432n);
    expect(await value('get_property', ['SELF', 'RELATIONSHIP', 'database', 0n, 'CAPABILITY', 'port'], selfWeb)).toBe(5432n);
    expect(await value('get_property', ['db', 'CAPABILITY', 'endpoint', 'RELATIONSHIP', 0n, 'SOURCE', 'port'])).toBe(8080n);
    expect(await value('get_attribute', ['db', 'state'])).toBe('started');
    expect(await value('get_artifact', ['SELF', 'zip'], selfWeb)).toBe('/artifacts/site.zip');
    expect(await value('node_index', [], selfWeb)).toBe(1n);
    expect(await errorCode('get_property', ['ghost', 'x'])).toBe('KH-TOSCA-PATH');
    expect(await errorCode('get_property', ['db', 'missing'])).toBe('KH-TOSCA-FN-MISSING');
    const avail = await value('available_allocation', ['db', 'CAPABILITY', 'endpoint', 'mem']);
    expect(toscaCompare('test', avail, scalarValue({ type: 'scalar-unit.size', amount: 744n, unit: 'MB', canonical: 744e6 }))).toBe(0);
  });

  it('ordering of integers agrees with bigint order (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (a, b) => {
        const c = toscaCompare('t', a, b);
        return c === (a < b ? -1 : a > b ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });
});
