/**
 * `get_operation_output: [<entity>, <interface>, <operation>, <output>]` (TOSCA 1.x, 4.6): the value a
 * script operation wrote to $KHUTULUN_OUTPUTS, which its host keeps on the node as the attribute
 * `khutulun:output:<interface>.<operation>:<output>`. Null until the operation has run, so service
 * outputs and attributes can name it before it exists.
 */
import type { FunctionImpl } from '../../store/index.js';
import { arity, expectString, withArgs } from './args.js';
import type { GraphSource } from './graph-functions.js';
import { resolvePath } from './path.js';
import { functionError } from './typed-values.js';

export function operationOutputFunction(source: GraphSource): FunctionImpl {
  return (args, ctx) => {
    arity('get_operation_output', args, 4, 4);
    return withArgs(args, ctx, (vs) => {
      const [entity, iface, op, name] = vs.map((v, i) => expectString('get_operation_output', v, ['entity', 'interface', 'operation', 'output'][i]!));
      const graph = typeof source === 'function' ? source(ctx.site) : source;
      if (!graph) throw functionError('KH-TOSCA-FN-CONTEXT', `$get_operation_output: no representation graph for deployment ${ctx.site.deployment ?? '(none)'}`);
      const key = `khutulun:output:${iface}.${op}:${name}`;
      const path = resolvePath('$get_operation_output', graph, ctx.site, [entity!, key]);
      const values = path.contexts.map((c) => c.attribute(key) ?? c.property(key) ?? null);
      return path.many ? values : values[0]!;
    });
  };
}
