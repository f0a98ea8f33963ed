/**
 * A compiled workflow as one string property of the service vertex (`workflow:NAME`): JSON, with
 * every expression (activity inputs, input defaults) in the store's own expression encoding, so a
 * function call survives until the run evaluates it and the Day-2 plan compares workflows as text.
 */
import { decodeExpression, encodeExpression } from '../../store/index.js';
import type { Expression } from '../../store/index.js';
import type { CompiledActivity, CompiledTrigger, CompiledWorkflow } from './compiled.js';

const VERSION = 1;

export function encodeWorkflow(w: CompiledWorkflow): string {
  return JSON.stringify({
    v: VERSION,
    name: w.name,
    ...(w.description !== undefined && { description: w.description }),
    inputs: w.inputs.map((i) => ({ name: i.name, required: i.required, ...(i.default !== undefined && { default: encodeExpression(i.default) }) })),
    steps: w.steps.map((s) => ({ ...s, actions: s.actions.map(encodeActivity) })),
    unsupported: w.unsupported,
  });
}

type Raw = Omit<CompiledWorkflow, 'inputs' | 'steps'> & {
  v: number;
  inputs: { name: string; required: boolean; default?: string }[];
  steps: (Omit<CompiledWorkflow['steps'][number], 'actions'> & { actions: { kind: CompiledWorkflow['steps'][number]['actions'][number]['kind']; name: string; inputs: Record<string, string> }[] })[];
};

/** Reads a workflow written by encodeWorkflow; undefined for anything else (another version, garbage). */
export function decodeWorkflow(text: string): CompiledWorkflow | undefined {
  let raw: Raw;
  try {
    raw = JSON.parse(text) as Raw;
  } catch {
    return undefined;
  }
  if (raw?.v !== VERSION || typeof raw.name !== 'string' || !Array.isArray(raw.steps) || !Array.isArray(raw.inputs)) return undefined;
  const expr = (e: string): Expression => decodeExpression(e);
  return {
    name: raw.name,
    ...(raw.description !== undefined && { description: raw.description }),
    inputs: raw.inputs.map((i) => ({ name: i.name, required: i.required, ...(i.default !== undefined && { default: expr(i.default) }) })),
    steps: raw.steps.map((s) => ({ ...s, actions: s.actions.map((a) => ({ ...a, inputs: Object.fromEntries(Object.entries(a.inputs).map(([k, e]) => [k, expr(e)])) })) })),
    unsupported: raw.unsupported ?? [],
  };
}

function encodeActivity(a: CompiledActivity): { kind: CompiledActivity['kind']; name: string; inputs: Record<string, string> } {
  return { kind: a.kind, name: a.name, inputs: Object.fromEntries(Object.entries(a.inputs).map(([k, e]) => [k, encodeExpression(e)])) };
}

/** A policy's triggers as one string (JSON; activity inputs in the store's expression encoding). */
export function encodeTriggers(triggers: readonly CompiledTrigger[]): string {
  return JSON.stringify({ v: VERSION, triggers: triggers.map((t) => ({ name: t.name, event: t.event, condition: t.condition, actions: t.actions.map(encodeActivity) })) });
}

/** The triggers written by encodeTriggers, with activity inputs left encoded (the engine decodes what it runs). */
export function decodeTriggers(text: string): { name: string; event: string; condition: boolean; actions: { kind: CompiledActivity['kind']; name: string; inputs: Record<string, string> }[] }[] {
  try {
    const raw = JSON.parse(text) as { v?: number; triggers?: unknown };
    return raw?.v === VERSION && Array.isArray(raw.triggers) ? (raw.triggers as ReturnType<typeof decodeTriggers>) : [];
  } catch {
    return [];
  }
}
