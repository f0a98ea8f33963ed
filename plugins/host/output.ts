/**
 * Checks what a plugin answers before anyone acts on it: a plugin is untrusted code, and an actor
 * must never apply a malformed effect. Anything off → KH-PLUGIN-OUTPUT for that call.
 */
import type { Effect, JsonValue } from '../effects.js';
import type { PluginCallResult, PluginManifest } from './call.js';
import { PluginErrorCode, pluginErrorData } from './errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const ACTIONS = new Set(['ensure', 'remove', 'observe', 'exec']);

/** Returns why an effect is malformed, or undefined when it is well-formed. */
export function effectProblem(effect: unknown): string | undefined {
  if (!isObject(effect)) return 'an effect must be an object';
  switch (effect.type) {
    case 'set-property':
      if (typeof effect.property !== 'string' || effect.property === '') return 'set-property needs a property name';
      if (!('value' in effect)) return 'set-property needs a value';
      if (effect.vertex !== undefined && typeof effect.vertex !== 'string') return 'set-property vertex must be a string';
      return undefined;
    case 'intent': {
      const intent = effect.intent;
      if (!isObject(intent)) return 'intent needs an intent object';
      if (!ACTIONS.has(intent.action as string)) return 'intent.action must be ensure, remove, observe or exec';
      if (typeof intent.runtime !== 'string' || intent.runtime === '') return 'intent.runtime must name a runtime';
      if (typeof intent.workload !== 'string' || intent.workload === '') return 'intent.workload must be a workload id';
      if (intent.spec !== undefined && (!isObject(intent.spec) || typeof intent.spec.kind !== 'string'))
        return 'intent.spec must be an object with a kind';
      return undefined;
    }
    case 'emit':
      if (typeof effect.event !== 'string' || effect.event === '') return 'emit needs an event name';
      if (effect.vertex !== undefined && typeof effect.vertex !== 'string') return 'emit vertex must be a string';
      return undefined;
    case 'log':
      if (!LEVELS.has(effect.level as string)) return 'log level must be debug, info, warn or error';
      if (typeof effect.message !== 'string') return 'log needs a message';
      return undefined;
    default:
      return `unknown effect type ${JSON.stringify(effect.type)}`;
  }
}

export function parseInvokeOutput(raw: string, pluginId: string): PluginCallResult {
  const bad = (why: string): PluginCallResult => ({
    ok: false,
    error: pluginErrorData(PluginErrorCode.output, `plugin ${pluginId} answered malformed output: ${why}`, {
      hint: 'invoke must return JSON {"effects": Effect[], "value"?: any}; see docs/plugins.md',
    }),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return bad('not JSON');
  }
  if (!isObject(parsed)) return bad('not an object');
  const effects = parsed.effects ?? [];
  if (!Array.isArray(effects)) return bad('effects is not a list');
  for (const [i, effect] of effects.entries()) {
    const problem = effectProblem(effect);
    if (problem !== undefined) return bad(`effects[${i}]: ${problem}`);
  }
  const result: PluginCallResult = { ok: true, effects: effects as Effect[] };
  if ('value' in parsed && parsed.value !== undefined) result.value = parsed.value as JsonValue;
  return result;
}

export function parseManifest(raw: string, pluginId: string): PluginManifest {
  const parsed: unknown = JSON.parse(raw);
  if (!isObject(parsed) || typeof parsed.name !== 'string' || !Array.isArray(parsed.functions)) {
    throw new Error(`plugin ${pluginId}: describe must return {"name": string, "functions": string[]}`);
  }
  return {
    name: parsed.name,
    functions: parsed.functions.filter((f): f is string => typeof f === 'string'),
    ...(typeof parsed.version === 'string' ? { version: parsed.version } : {}),
  };
}
