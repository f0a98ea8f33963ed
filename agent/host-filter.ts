/**
 * The node_filter of a node's `host` requirement (capability AgentHost) as a scheduler
 * constraint. The filter is a TOSCA condition over the candidate host, read with
 * `$get_property: [ SELF, CAPABILITY, <property>, ... ]`:
 *
 *   labels, KEY      the agent's --labels           $equal, $valid_values, comparisons
 *   labels           (the map)                      $has_key: [ ..., KEY ]
 *   hostname         the agent's --name             $equal, $valid_values
 *   cpus / memory    cores / bytes of the host      $greater_than, ..., $in_range (sizes like 2 GiB)
 *
 * combined with $and, $or, $not. Anything else is refused with a coded error that says what is
 * supported: a filter that silently matched every host would place work where it must not run.
 */
import { KhutulunError } from '../common/index.js';
import { isCall, isList } from '../store/index.js';
import type { Expression } from '../store/index.js';
import type { Comparison, Constraint } from '../scheduler/index.js';

/** Host labels the placement adds for the numeric host properties (agent/placement.ts). */
export const CPUS_LABEL = 'khutulun:cpus';
export const MEMORY_LABEL = 'khutulun:memory';

const HINT =
  'write the filter with $and/$or/$not over $equal, $valid_values, $greater_than, $greater_or_equal, $less_than, $less_or_equal, $in_range ' +
  'and $has_key, reading $get_property: [ SELF, CAPABILITY, labels, KEY ] (or hostname, cpus, memory)';

const COMPARE: Record<string, Comparison> = {
  'tosca:greater_than': 'greater_than',
  'tosca:greater_or_equal': 'greater_or_equal',
  'tosca:less_than': 'less_than',
  'tosca:less_or_equal': 'less_or_equal',
};
const FLIP: Record<Comparison, Comparison> = { greater_than: 'less_than', greater_or_equal: 'less_or_equal', less_than: 'greater_than', less_or_equal: 'greater_or_equal' };

function refuse(vertex: string, message: string): never {
  throw new KhutulunError('KH-AGENT-PLACEMENT', `${vertex}: the node_filter of its host requirement ${message}`, { hint: HINT, details: { vertex } });
}

type Operand = { kind: 'label'; label: string; numeric: boolean } | { kind: 'labels' } | { kind: 'value'; value: Expression };

function operand(e: Expression | undefined, vertex: string): Operand {
  if (e !== undefined && isCall(e) && e.fn === 'tosca:get_property') {
    const path = e.args.map((a) => (typeof a === 'string' ? a : undefined));
    if (path[0] !== 'SELF' || path[1] !== 'CAPABILITY' || path.some((p) => p === undefined)) {
      refuse(vertex, `reads ${JSON.stringify(path)}: only [ SELF, CAPABILITY, <property>, ... ] describes the host`);
    }
    // `[SELF, CAPABILITY, host, ...]` names the capability too (TOSCA 1.3 habit): accept it.
    const rest = (path[2] === 'host' ? path.slice(3) : path.slice(2)) as string[];
    if (rest[0] === 'labels' && rest.length === 1) return { kind: 'labels' };
    if (rest[0] === 'labels' && rest.length === 2) return { kind: 'label', label: rest[1]!, numeric: false };
    if (rest[0] === 'hostname' && rest.length === 1) return { kind: 'label', label: 'hostname', numeric: false };
    if (rest[0] === 'cpus' && rest.length === 1) return { kind: 'label', label: CPUS_LABEL, numeric: true };
    if (rest[0] === 'memory' && rest.length === 1) return { kind: 'label', label: MEMORY_LABEL, numeric: true };
    refuse(vertex, `reads the host property ${JSON.stringify(rest.join('.'))}, which a host does not have (labels, hostname, cpus, memory)`);
  }
  if (e === undefined) refuse(vertex, 'has a condition with a missing argument');
  return { kind: 'value', value: e };
}

/** A literal as text (labels are strings); numbers and booleans as written. */
function text(e: Expression, vertex: string): string {
  if (typeof e === 'string') return e;
  if (typeof e === 'number' || typeof e === 'bigint' || typeof e === 'boolean') return String(e);
  return refuse(vertex, 'compares a host property with something that is not a literal');
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3, tb: 1e12, tib: 1024 ** 4 };

/** A number, or a size such as `512 MB` / `2 GiB` (in bytes). */
function amount(e: Expression, vertex: string): number {
  if (typeof e === 'number') return e;
  if (typeof e === 'bigint') return Number(e);
  if (typeof e === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?\s*$/.exec(e);
    const factor = m ? (m[2] === undefined ? 1 : UNITS[m[2].toLowerCase()]) : undefined;
    if (m && factor !== undefined) return Number(m[1]) * factor;
  }
  return refuse(vertex, `compares with ${JSON.stringify(e)}: use a number or a size like 2 GiB`);
}

function pair(args: readonly Expression[], vertex: string, what: string): { label: Extract<Operand, { kind: 'label' }>; value: Expression; flipped: boolean } {
  if (args.length !== 2) refuse(vertex, `uses ${what} with ${args.length} arguments (it takes 2)`);
  const [a, b] = [operand(args[0], vertex), operand(args[1], vertex)];
  if (a.kind === 'label' && b.kind === 'value') return { label: a, value: b.value, flipped: false };
  if (b.kind === 'label' && a.kind === 'value') return { label: b, value: a.value, flipped: true };
  return refuse(vertex, `uses ${what} without exactly one host property and one value`);
}

/** Translates a compiled node_filter (a Floria call expression) into a scheduler constraint. */
export function hostFilterConstraint(filter: Expression, vertex: string): Constraint {
  if (!isCall(filter)) return refuse(vertex, 'is not a condition ($and, $equal, ...)');
  const { fn, args } = filter;
  switch (fn) {
    case 'tosca:and':
    case 'tosca:or':
      return { op: fn === 'tosca:and' ? 'and' : 'or', of: args.map((a) => hostFilterConstraint(a, vertex)) };
    case 'tosca:not':
      if (args.length !== 1) refuse(vertex, `uses $not with ${args.length} arguments (it takes 1)`);
      return { op: 'not', of: hostFilterConstraint(args[0]!, vertex) };
    case 'tosca:equal': {
      const { label, value } = pair(args, vertex, '$equal');
      return label.numeric ? { op: 'and', of: [{ op: 'greater_or_equal', label: label.label, value: amount(value, vertex) }, { op: 'less_or_equal', label: label.label, value: amount(value, vertex) }] } : { op: 'equal', label: label.label, value: text(value, vertex) };
    }
    case 'tosca:valid_values': {
      const { label, value, flipped } = pair(args, vertex, '$valid_values');
      if (flipped || !isList(value)) return refuse(vertex, 'uses $valid_values without [ host property, [ values ] ]');
      return { op: 'valid_values', label: label.label, values: value.map((v) => text(v, vertex)) };
    }
    case 'tosca:in_range': {
      const { label, value, flipped } = pair(args, vertex, '$in_range');
      if (flipped || !isList(value) || value.length !== 2) return refuse(vertex, 'uses $in_range without [ host property, [ lower, upper ] ]');
      return { op: 'and', of: [{ op: 'greater_or_equal', label: label.label, value: amount(value[0]!, vertex) }, { op: 'less_or_equal', label: label.label, value: amount(value[1]!, vertex) }] };
    }
    case 'tosca:has_key': {
      if (args.length !== 2 || operand(args[0], vertex).kind !== 'labels') return refuse(vertex, 'uses $has_key without [ $get_property: [ SELF, CAPABILITY, labels ], KEY ]');
      return { op: 'has_label', label: text(args[1]!, vertex) };
    }
    default: {
      const cmp = COMPARE[fn];
      if (!cmp) return refuse(vertex, `uses ${fn.replace(/^tosca:/, '$')}, which placement cannot evaluate`);
      const { label, value, flipped } = pair(args, vertex, fn.replace(/^tosca:/, '$'));
      return { op: flipped ? FLIP[cmp] : cmp, label: label.label, value: amount(value, vertex) };
    }
  }
}
