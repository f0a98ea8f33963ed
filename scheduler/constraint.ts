/**
 * Host constraints: node_filter-like boolean conditions over host labels and capabilities.
 * Operator names follow TOSCA 2.0 condition functions ($equal, $valid_values, $greater_than, ...)
 * without the `$`, so a TOSCA node_filter compiles to this one-to-one.
 */
import { KhutulunError } from '../common/index.js';
import type { HostInfo } from './host.js';

export type Comparison = 'greater_than' | 'greater_or_equal' | 'less_than' | 'less_or_equal';

export type Constraint =
  | { readonly op: 'and'; readonly of: readonly Constraint[] }
  | { readonly op: 'or'; readonly of: readonly Constraint[] }
  | { readonly op: 'not'; readonly of: Constraint }
  | { readonly op: 'equal'; readonly label: string; readonly value: string }
  | { readonly op: 'valid_values'; readonly label: string; readonly values: readonly string[] }
  | { readonly op: 'has_label'; readonly label: string }
  | { readonly op: 'has_capability'; readonly capability: string }
  | { readonly op: Comparison; readonly label: string; readonly value: number };

export type HostPredicate = (host: HostInfo) => boolean;

const COMPARISONS: Record<Comparison, (a: number, b: number) => boolean> = {
  greater_than: (a, b) => a > b,
  greater_or_equal: (a, b) => a >= b,
  less_than: (a, b) => a < b,
  less_or_equal: (a, b) => a <= b,
};

function invalid(message: string, where: string): never {
  throw new KhutulunError('KH-SCHED-004', `${where}: ${message}`, {
    hint: 'a constraint is {op, ...}: and/or (of: [...]), not (of), equal/has_label/valid_values/greater_than/... (label), has_capability (capability)',
    details: { where },
  });
}

/** Checks the shape of untrusted constraint data (it comes from TOSCA or the API). */
export function validateConstraint(value: unknown, where = 'constraint', depth = 0): Constraint {
  if (depth > 32) invalid('nested deeper than 32 levels', where);
  if (typeof value !== 'object' || value === null) invalid('not an object', where);
  const c = value as Record<string, unknown>;
  const str = (k: string): string => (typeof c[k] === 'string' ? (c[k] as string) : invalid(`"${k}" must be a string`, where));
  switch (c.op) {
    case 'and':
    case 'or':
      if (!Array.isArray(c.of)) invalid(`"${c.op}" needs an array "of"`, where);
      (c.of as unknown[]).forEach((x, i) => validateConstraint(x, `${where}.of[${i}]`, depth + 1));
      break;
    case 'not':
      validateConstraint(c.of, `${where}.of`, depth + 1);
      break;
    case 'equal':
      str('label');
      str('value');
      break;
    case 'valid_values':
      str('label');
      if (!Array.isArray(c.values) || !c.values.every((v) => typeof v === 'string')) invalid('"values" must be a list of strings', where);
      break;
    case 'has_label':
      str('label');
      break;
    case 'has_capability':
      str('capability');
      break;
    case 'greater_than':
    case 'greater_or_equal':
    case 'less_than':
    case 'less_or_equal':
      str('label');
      if (typeof c.value !== 'number' || !Number.isFinite(c.value)) invalid('"value" must be a finite number', where);
      break;
    default:
      invalid(`unknown op ${JSON.stringify(c.op)}`, where);
  }
  return value as Constraint;
}

/** Compiles a constraint into a predicate once, so the planner does not re-walk the tree per host. */
export function compileConstraint(c: Constraint): HostPredicate {
  switch (c.op) {
    case 'and': {
      const parts = c.of.map(compileConstraint);
      return (h) => parts.every((p) => p(h));
    }
    case 'or': {
      const parts = c.of.map(compileConstraint);
      return (h) => parts.some((p) => p(h));
    }
    case 'not': {
      const inner = compileConstraint(c.of);
      return (h) => !inner(h);
    }
    case 'equal':
      return (h) => h.labels[c.label] === c.value;
    case 'valid_values': {
      const set = new Set(c.values);
      return (h) => {
        const v = h.labels[c.label];
        return v !== undefined && set.has(v);
      };
    }
    case 'has_label':
      return (h) => h.labels[c.label] !== undefined;
    case 'has_capability':
      return (h) => h.capabilities.includes(c.capability);
    default: {
      const cmp = COMPARISONS[c.op];
      const { label, value } = c;
      return (h) => {
        const raw = h.labels[label];
        // A label that is absent or not numeric never satisfies a numeric comparison.
        if (raw === undefined || raw.trim() === '') return false;
        const n = Number(raw);
        return Number.isFinite(n) && cmp(n, value);
      };
    }
  }
}

/** A short human-readable form used in explanations ("zone == eu and has gpu"). */
export function describeConstraint(c: Constraint): string {
  switch (c.op) {
    case 'and':
      return c.of.length === 0 ? 'true' : c.of.map((x) => wrap(x)).join(' and ');
    case 'or':
      return c.of.length === 0 ? 'false' : c.of.map((x) => wrap(x)).join(' or ');
    case 'not':
      return `not ${wrap(c.of)}`;
    case 'equal':
      return `${c.label} == ${c.value}`;
    case 'valid_values':
      return `${c.label} in [${c.values.join(', ')}]`;
    case 'has_label':
      return `has label ${c.label}`;
    case 'has_capability':
      return `has capability ${c.capability}`;
    case 'greater_than':
      return `${c.label} > ${c.value}`;
    case 'greater_or_equal':
      return `${c.label} >= ${c.value}`;
    case 'less_than':
      return `${c.label} < ${c.value}`;
    case 'less_or_equal':
      return `${c.label} <= ${c.value}`;
  }
}

function wrap(c: Constraint): string {
  return c.op === 'and' || c.op === 'or' ? `(${describeConstraint(c)})` : describeConstraint(c);
}
