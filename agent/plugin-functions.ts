/**
 * Custom functions run by Wasm plugins: a Floria call `<plugin-id>:<function>` (which is what a
 * TOSCA `$fn` compiles to when its signature names a PluginFunction implementation) becomes a call
 * into the plugin host. Arguments are evaluated here (call-by-name) and travel as JSON in the event
 * payload; the plugin answers with a value (see docs/plugins.md, `value(...)` in the SDK).
 */
import { fromErrorData } from '../common/index.js';
import type { FunctionResolver } from '../store/index.js';
import { formatEntityId, fromJson, toJson } from '../store/index.js';
import type { PluginHostLike } from '../plugins/index.js';
import { parseHandlerName } from '../plugins/index.js';
import type { JsonValue } from '../plugins/effects.js';

/** A host that can say a plugin exists before it is loaded (LazyPluginHost). */
type MaybeLazy = PluginHostLike & { knows?(id: string): boolean };

export function pluginFunctionResolver(host: MaybeLazy): FunctionResolver {
  return (name) => {
    const parsed = parseHandlerName(name);
    if (!parsed || (host.describe(parsed.plugin) === undefined && !host.knows?.(parsed.plugin))) return undefined;
    return async (args, ctx) => {
      const values = await Promise.all(args.map((a) => ctx.evaluate(a)));
      const result = await host.call({
        plugin: parsed.plugin,
        fn: parsed.fn,
        event: { name: 'function', payload: values.map((v) => toJson(v)) as JsonValue },
        snapshot: {
          id: ctx.site.entity ? formatEntityId(ctx.site.entity) : '',
          ...(ctx.site.deployment !== undefined && { deployment: ctx.site.deployment }),
          classes: [],
          properties: {},
          edges: [],
        },
      });
      if (!result.ok) throw fromErrorData(result.error);
      return result.value === undefined ? null : fromJson(result.value);
    };
  };
}
