/**
 * Policy triggers (TOSCA 2.0 §14.6) to what the engine runs when an event reaches a target of the
 * policy (actors/system/event-delivery.ts): the event name, whether a condition is given, and the
 * action's activities in the workflow activity form. The grammar already checked the shapes; an
 * item it reported is skipped here.
 */
import type { PNode } from '../reader/index.js';
import { get, isMap, isScalar, isString } from '../reader/index.js';
import type { TriggerDef } from '../model/index.js';
import type { CompiledActivity, CompiledTrigger } from './compiled.js';
import type { CompileContext } from './context.js';

const KINDS = new Set(['call_operation', 'set_state', 'delegate', 'inline']);

function activity(ctx: CompileContext, n: PNode): CompiledActivity | undefined {
  if (!isMap(n) || n.entries.length !== 1) return undefined;
  const e = n.entries[0]!;
  const kind = isScalar(e.key) ? String(e.key.value) : '';
  if (!KINDS.has(kind)) return undefined;
  const k = kind as CompiledActivity['kind'];
  if (isString(e.value)) return { kind: k, name: e.value.value, inputs: {} };
  if (!isMap(e.value)) return undefined;
  const name = get(e.value, kind === 'call_operation' ? 'operation' : 'workflow');
  if (!isString(name)) return undefined;
  const inputs = get(e.value, 'inputs');
  return { kind: k, name: name.value, inputs: isMap(inputs) ? Object.fromEntries(inputs.entries.filter((x) => isScalar(x.key)).map((x) => [String((x.key as { value: unknown }).value), ctx.expr(x.value)])) : {} };
}

export function compileTriggers(ctx: CompileContext, triggers: ReadonlyMap<string, TriggerDef>): CompiledTrigger[] {
  const out: CompiledTrigger[] = [];
  for (const t of triggers.values()) {
    if (t.event === undefined) continue;
    out.push({ name: t.name, event: t.event, condition: t.condition !== undefined, actions: t.action.map((a) => activity(ctx, a)).filter((a): a is CompiledActivity => a !== undefined) });
  }
  return out;
}
