/**
 * Function detection (10.1) and the arity of built-in functions (10.2). Turns positioned YAML into
 * Values where calls are structured nodes; reports malformed calls, wrong argument counts and
 * unknown functions (neither built-in nor declared under `functions`).
 */
import { Codes, type ProblemSink } from '../problems/index.js';
import { isScalar, type PNode } from '../reader/index.js';
import type { CallVal, Value } from '../model/index.js';
import type { Scope } from './scope.js';
import { parseToscaPath, PATH_FUNCTIONS } from './tosca-path.js';

/** [min, max] argument counts of built-in functions; max Infinity for variadic ones. */
export const BUILTIN_FUNCTIONS: ReadonlyMap<string, readonly [number, number]> = new Map<string, readonly [number, number]>([
  ['get_input', [1, Infinity]],
  ['get_property', [2, Infinity]],
  ['get_attribute', [2, Infinity]],
  ['get_artifact', [2, Infinity]],
  ['value', [0, Infinity]],
  ['node_index', [0, 0]],
  ['relationship_index', [0, 0]],
  ['available_allocation', [2, Infinity]],
  ['and', [0, Infinity]],
  ['or', [0, Infinity]],
  ['not', [1, 1]],
  ['xor', [2, 2]],
  ['equal', [2, 2]],
  ['greater_than', [2, 2]],
  ['greater_or_equal', [2, 2]],
  ['less_than', [2, 2]],
  ['less_or_equal', [2, 2]],
  ['valid_values', [2, 2]],
  ['matches', [2, 2]],
  ['has_suffix', [2, 2]],
  ['has_prefix', [2, 2]],
  ['contains', [2, 2]],
  ['has_entry', [2, 2]],
  ['has_key', [2, 2]],
  ['has_all_entries', [2, 2]],
  ['has_all_keys', [2, 2]],
  ['has_any_entry', [2, 2]],
  ['has_any_key', [2, 2]],
  ['length', [1, 1]],
  ['concat', [1, Infinity]],
  ['join', [1, 2]],
  ['token', [3, 3]],
  ['union', [1, Infinity]],
  ['intersection', [1, Infinity]],
  ['sum', [1, Infinity]],
  ['difference', [2, 2]],
  ['product', [2, Infinity]],
  ['quotient', [2, 2]],
  ['remainder', [2, 2]],
  ['round', [1, 1]],
  ['floor', [1, 1]],
  ['ceil', [1, 1]],
]);

/** TOSCA 1.3 intrinsic functions and constraint operators (accepted in legacy files only). */
const LEGACY_FUNCTIONS = new Set([
  'get_input', 'get_property', 'get_attribute', 'get_operation_output', 'get_nodes_of_type', 'get_artifact',
  'concat', 'join', 'token', 'equal', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal',
  'in_range', 'valid_values', 'length', 'min_length', 'max_length', 'pattern', 'schema',
]);

const MAX_DEPTH = 200;

/** 1.3 intrinsic functions, written without `$` (`{ get_input: x }`). */
const LEGACY_INTRINSICS = new Set(['get_input', 'get_property', 'get_attribute', 'get_operation_output', 'get_nodes_of_type', 'get_artifact', 'concat', 'join', 'token']);

function legacyName(key: PNode, legacy: boolean): string | undefined {
  return legacy && isScalar(key) && typeof key.value === 'string' && LEGACY_INTRINSICS.has(key.value) ? key.value : undefined;
}

/** The function name of a `$name` / `$name$suffix` key, or undefined for plain and escaped strings. */
export function functionName(s: string): string | undefined {
  if (!s.startsWith('$') || s.startsWith('$$') || s.length < 2) return undefined;
  const rest = s.slice(1);
  const i = rest.indexOf('$');
  return i < 0 ? rest : rest.slice(0, i);
}

function unescape(s: string): string {
  return s.startsWith('$$') ? s.slice(1) : s;
}

export interface FunctionContext {
  readonly sink: ProblemSink;
  readonly scope: Scope | undefined;
  readonly legacy: boolean;
  /** Node template names, when checking inside a service template (TOSCA paths may name them). */
  readonly templates?: ReadonlySet<string> | ReadonlyMap<string, unknown>;
}

function checkCall(call: CallVal, ctx: FunctionContext): void {
  const builtin = BUILTIN_FUNCTIONS.get(call.name);
  if (builtin) {
    const n = call.args.length;
    if (n < builtin[0] || n > builtin[1]) {
      const range = builtin[1] === Infinity ? `at least ${builtin[0]}` : builtin[0] === builtin[1] ? `${builtin[0]}` : `${builtin[0]} to ${builtin[1]}`;
      ctx.sink.report(call.pos, Codes.Function, `$${call.name} takes ${range} argument(s), got ${n}`);
      return;
    }
    const after = PATH_FUNCTIONS.get(call.name);
    if (after !== undefined && call.listArgs) {
      const p = parseToscaPath(call.args, ctx.legacy);
      if (p.error) ctx.sink.report(call.pos, Codes.Function, `$${call.name}: ${p.error} (10.3)`);
      // A path that leaves no name may still parse with an <empty> context (the BNF is ambiguous), so no problem then.
      else if (call.args.length - p.length >= after && p.node !== undefined && ctx.templates && !ctx.templates.has(p.node)) {
        ctx.sink.report(call.pos, Codes.TemplateUnknown, `$${call.name} refers to "${p.node}", which is not a node template (start the path with SELF for this template)`);
      }
    } else if (after !== undefined && !call.listArgs) {
      ctx.sink.report(call.pos, Codes.Function, `$${call.name} takes a list: [ <tosca_path>, <name>, ... ]`);
    }
    return;
  }
  if (ctx.legacy && LEGACY_FUNCTIONS.has(call.name)) return;
  const def = ctx.scope?.findFunction(call.name);
  // 10.1: signatures of custom functions are optional, so an undeclared name is not an error;
  // it is evaluated (or rejected) at run time.
  if (!def) return;
  // Arity against the declared signatures: one must accept the argument count.
  const n = call.args.length;
  const ok = def.signatures.some((s) => {
    const min = s.arguments.length;
    const max = s.variadic ? Infinity : min + s.optionalArguments.length;
    return n >= min && n <= max;
  });
  if (!ok && def.signatures.length > 0) {
    ctx.sink.report(call.pos, Codes.Function, `$${call.name} is called with ${n} argument(s), which matches none of its signatures`);
  }
}

/** Converts YAML into a Value, detecting and checking function calls everywhere inside it. */
export function toValue(n: PNode, ctx: FunctionContext, depth = 0): Value {
  if (depth > MAX_DEPTH) return { kind: 'scalar', value: null, float: false, pos: n.pos };
  if (n.kind === 'scalar') {
    if (typeof n.value === 'string') {
      const fn = functionName(n.value);
      if (fn !== undefined) {
        const call: CallVal = { kind: 'call', name: fn, args: [], listArgs: false, pos: n.pos };
        checkCall(call, ctx);
        return call;
      }
    }
    const v = typeof n.value === 'string' ? unescape(n.value) : n.value;
    return { kind: 'scalar', value: v, float: n.float, pos: n.pos };
  }
  if (n.kind === 'list') return { kind: 'list', items: n.items.map((i) => toValue(i, ctx, depth + 1)), pos: n.pos };
  if (n.entries.length === 1 && legacyName(n.entries[0]!.key, ctx.legacy) !== undefined) {
    const e = n.entries[0]!;
    const args = e.value.kind === 'list' ? e.value.items.map((i) => toValue(i, ctx, depth + 1)) : [toValue(e.value, ctx, depth + 1)];
    return { kind: 'call', name: legacyName(e.key, true)!, args, listArgs: e.value.kind === 'list', pos: e.key.pos };
  }
  const calls = n.entries.filter((e) => isScalar(e.key) && typeof e.key.value === 'string' && functionName(e.key.value) !== undefined);
  if (calls.length > 0 && n.entries.length === 1) {
    const e = n.entries[0]!;
    const name = functionName(String((e.key as { value: unknown }).value))!;
    const listArgs = e.value.kind === 'list';
    const args = e.value.kind === 'list' ? e.value.items.map((i) => toValue(i, ctx, depth + 1)) : [toValue(e.value, ctx, depth + 1)];
    const call: CallVal = { kind: 'call', name, args, listArgs, pos: e.key.pos };
    checkCall(call, ctx);
    return call;
  }
  for (const c of calls) {
    ctx.sink.report(c.key.pos, Codes.Function, `malformed function: "${String((c.key as { value: unknown }).value)}" must be the only key of its map (escape a literal "$" as "$$")`);
  }
  return {
    kind: 'map',
    entries: n.entries.map((e) => ({ key: toValue(e.key, ctx, depth + 1), value: toValue(e.value, ctx, depth + 1) })),
    pos: n.pos,
  };
}

/** True when the node is a function call (so its type can only be checked at run time). */
export function isCall(n: PNode, legacy = false): boolean {
  if (n.kind === 'scalar') return typeof n.value === 'string' && functionName(n.value) !== undefined;
  if (n.kind === 'map' && n.entries.length === 1) {
    const k = n.entries[0]!.key;
    if (legacyName(k, legacy) !== undefined) return true;
    return isScalar(k) && typeof k.value === 'string' && functionName(k.value) !== undefined;
  }
  return false;
}
