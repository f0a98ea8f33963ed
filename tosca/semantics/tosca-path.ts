/**
 * TOSCA Path (10.3): the flattened path at the start of $get_property, $get_attribute,
 * $get_artifact and $available_allocation arguments. Returns how many arguments the path uses,
 * or a message saying what is wrong.
 */
import type { Value } from '../model/index.js';

const KEYWORDS = new Set(['SELF', 'SOURCE', 'TARGET', 'RELATIONSHIP', 'CAPABILITY', 'HOST']);

function str(v: Value | undefined): string | undefined {
  return v?.kind === 'scalar' && typeof v.value === 'string' ? v.value : undefined;
}

function isIdx(v: Value | undefined): boolean {
  return (v?.kind === 'scalar' && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= 0) || str(v) === 'ALL' || v?.kind === 'call';
}

export interface PathResult {
  /** Number of arguments that form the path. */
  readonly length: number;
  /** The initial node template name, unless the path starts with SELF. */
  readonly node?: string;
  readonly error?: string;
}

export function parseToscaPath(args: readonly Value[], legacy: boolean): PathResult {
  const first = str(args[0]);
  if (first === undefined) return { length: 0, error: 'the path must start with SELF or a node template name' };
  if (legacy && (first === 'SOURCE' || first === 'TARGET' || first === 'HOST')) return { length: 1 };
  let i = 1;
  let state: 'node' | 'self' | 'rel' | 'cap';
  let node: string | undefined;
  if (first === 'SELF') state = 'self';
  else {
    if (KEYWORDS.has(first)) return { length: 0, error: `the path cannot start with ${first}: use SELF, ${first}` };
    node = first;
    if (isIdx(args[1])) i = 2;
    state = 'node';
  }
  for (let guard = 0; guard < 1000; guard++) {
    const k = str(args[i]);
    if ((state === 'node' || state === 'self') && k === 'RELATIONSHIP') {
      if (str(args[i + 1]) === undefined) return { length: i, error: 'RELATIONSHIP must be followed by a requirement name' };
      i += 2;
      if (isIdx(args[i])) i++;
      state = 'rel';
    } else if ((state === 'node' || state === 'self') && k === 'CAPABILITY') {
      if (str(args[i + 1]) === undefined) return { length: i, error: 'CAPABILITY must be followed by a capability name' };
      i += 2;
      state = 'cap';
    } else if ((state === 'rel' || state === 'self') && (k === 'SOURCE' || k === 'TARGET')) {
      i++;
      state = 'node';
    } else if (state === 'rel' && k === 'CAPABILITY') {
      i++;
      state = 'cap';
    } else if (state === 'cap' && k === 'RELATIONSHIP') {
      i++;
      if (isIdx(args[i])) i++;
      state = 'rel';
    } else break;
  }
  return { length: i, ...(node !== undefined && { node }) };
}

/** Functions whose arguments start with a TOSCA path, and the minimum number of names after it. */
export const PATH_FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ['get_property', 1],
  ['get_attribute', 1],
  ['get_artifact', 1],
  ['available_allocation', 1],
]);
