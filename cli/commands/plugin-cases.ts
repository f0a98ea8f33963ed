/**
 * `khutulun plugin test`: a plugin's functions run against recorded events. A cases file is JSON:
 *
 *   { "plugin": "../build/greeter.wasm",              // or a .ts source, built first
 *     "cases": [ { "name": "start greets", "fn": "start",
 *                  "event": { "name": "Standard.start" }, "snapshot": { "properties": { "name": "Ada" } },
 *                  "expect": { "effects": [ { "type": "set-property", "property": "greeting", "value": "hello Ada" } ] } },
 *                { "name": "double", "fn": "double", "event": { "name": "x", "payload": 21 }, "expect": { "value": 42 } },
 *                { "name": "needs a name", "fn": "check", "expect": { "error": "ACME-001" } } ] }
 *
 * Effects are compared whole and in order; a value by deep equality; an error by its code. This
 * file is the pure half: reading the file's shape and judging one result.
 */
import { isDeepStrictEqual } from 'node:util';
import { KhutulunError } from '../../common/index.js';
import type { JsonValue } from '../../plugins/effects.js';
import type { PluginCallResult, PluginEvent, VertexSnapshot } from '../../plugins/index.js';

export interface PluginCase {
  name: string;
  fn: string;
  event: PluginEvent;
  snapshot: VertexSnapshot;
  expect: { effects?: JsonValue[]; value?: JsonValue; error?: string };
}

export interface PluginCases {
  /** Relative to the cases file. */
  plugin?: string;
  cases: PluginCase[];
}

const bad = (file: string, problem: string): KhutulunError =>
  new KhutulunError('KH-PLUGIN-CASES', `${file}: ${problem}`, { hint: 'see docs/plugins.md (plugin test): { "plugin"?, "cases": [{ name, fn, event?, snapshot?, expect: { effects | value | error } }] }' });

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills the parts of a snapshot a hand-written file may leave out. */
export function normaliseSnapshot(raw: unknown, where = 'the snapshot'): VertexSnapshot {
  if (raw === undefined) raw = {};
  if (!isObj(raw)) throw new KhutulunError('KH-PLUGIN-INVALID', `${where} must be a JSON object`, { hint: 'see docs/plugins.md (VertexSnapshot)' });
  const s = raw as Partial<VertexSnapshot>;
  return { ...s, id: s.id ?? 'cli/vertex', classes: s.classes ?? [], properties: s.properties ?? {}, edges: s.edges ?? [] };
}

export function parseCases(json: unknown, file: string): PluginCases {
  if (!isObj(json) || !Array.isArray(json.cases)) throw bad(file, 'expected an object with a "cases" list');
  if (json.plugin !== undefined && typeof json.plugin !== 'string') throw bad(file, '"plugin" must be a path');
  const cases = json.cases.map((c: unknown, i: number): PluginCase => {
    const at = `cases[${i}]`;
    if (!isObj(c) || typeof c.fn !== 'string' || c.fn === '') throw bad(file, `${at} needs "fn", the function to call`);
    const expect = c.expect;
    if (!isObj(expect) || !['effects', 'value', 'error'].some((k) => k in expect)) throw bad(file, `${at} needs "expect" with effects, value or error`);
    if (expect.effects !== undefined && !Array.isArray(expect.effects)) throw bad(file, `${at}.expect.effects must be a list`);
    if (expect.error !== undefined && typeof expect.error !== 'string') throw bad(file, `${at}.expect.error must be an error code`);
    const event = c.event ?? { name: `Standard.${c.fn}` };
    if (!isObj(event) || typeof event.name !== 'string') throw bad(file, `${at}.event needs a name`);
    return {
      name: typeof c.name === 'string' ? c.name : `${at} ${c.fn}`,
      fn: c.fn,
      event: event as unknown as PluginEvent,
      snapshot: normaliseSnapshot(c.snapshot, `${file} ${at}.snapshot`),
      expect: expect as PluginCase['expect'],
    };
  });
  return { ...(typeof json.plugin === 'string' ? { plugin: json.plugin } : {}), cases };
}

/** Why a result does not meet a case's expectation; undefined when it does. */
export function judge(c: PluginCase, result: PluginCallResult): string | undefined {
  const show = (v: unknown): string => JSON.stringify(v);
  if (c.expect.error !== undefined) {
    if (result.ok) return `expected error ${c.expect.error}, got success with effects ${show(result.effects)}`;
    return result.error.code === c.expect.error ? undefined : `expected error ${c.expect.error}, got ${result.error.code}: ${result.error.message}`;
  }
  if (!result.ok) return `failed with ${result.error.code}: ${result.error.message}`;
  if (c.expect.effects !== undefined && !isDeepStrictEqual(JSON.parse(JSON.stringify(result.effects)), c.expect.effects)) {
    return `effects differ\n    expected ${show(c.expect.effects)}\n    actual   ${show(result.effects)}`;
  }
  if ('value' in c.expect && !isDeepStrictEqual(result.value ?? null, c.expect.value ?? null)) {
    return `value differs: expected ${show(c.expect.value)}, actual ${show(result.value)}`;
  }
  return undefined;
}
