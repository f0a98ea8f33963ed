/**
 * The representation-graph query functions (§10.2.1): $get_input, $get_property, $get_attribute,
 * $get_artifact, $value, $node_index, $relationship_index, $available_allocation.
 */
import type { CallSite, Expression, FunctionImpl } from '../../store/index.js';
import { arity, expectString, withArgs } from './args.js';
import { dig, resolvePath } from './path.js';
import type { ToscaContext, ToscaGraph } from './graph.js';
import { functionError, isScalar, rescale, scalarParts } from './typed-values.js';

type Getter = (c: ToscaContext, name: string) => Expression | undefined;

function describe(c: ToscaContext): string {
  if (c.kind === 'node') return `node "${c.template}"`;
  if (c.kind === 'capability') return `capability "${c.name}" of node "${c.node.template}"`;
  return `relationship "${c.requirement}"`;
}

/** Which graph a call reads: one fixed graph, or the graph of the call site's deployment. */
export type GraphSource = ToscaGraph | ((site: CallSite) => ToscaGraph | undefined);

function graphAt(source: GraphSource, site: CallSite, fn: string): ToscaGraph {
  const g = typeof source === 'function' ? source(site) : source;
  if (!g) throw functionError('KH-TOSCA-FN-CONTEXT', `${fn}: no representation graph for deployment ${site.deployment ?? '(none)'}`);
  return g;
}

function getter(fn: string, source: GraphSource, get: Getter, what: string): FunctionImpl {
  return (args, ctx) => {
    arity(fn, args, 2, Infinity);
    return withArgs(args, ctx, (vs) => {
      const path = resolvePath(`$${fn}`, graphAt(source, ctx.site, `$${fn}`), ctx.site, vs);
      const [prop, ...nested] = path.rest;
      if (typeof prop !== 'string') throw functionError('KH-TOSCA-PATH', `$${fn}: expected a ${what} name after the TOSCA path`);
      const values = path.contexts.map((c) => {
        const v = get(c, prop);
        if (v === undefined) throw functionError('KH-TOSCA-FN-MISSING', `$${fn}: ${describe(c)} has no ${what} "${prop}"`, `declare "${prop}" in its type`);
        return dig(`$${fn}`, v, nested) ?? null;
      });
      return path.many ? values : values[0]!;
    });
  };
}

export function graphFunctions(source: GraphSource): Record<string, FunctionImpl> {
  const at = (site: CallSite, fn: string): ToscaGraph => graphAt(source, site, fn);
  return {
    'tosca:get_input': (args, ctx) => {
      arity('get_input', args, 1, Infinity);
      return withArgs(args, ctx, (vs) => {
        // `$get_input: name` or `$get_input: [name, nested…]` (the compiler always passes a list).
        const [first, ...nested] = vs;
        const inputName = expectString('get_input', first!, 'input name');
        const graph = at(ctx.site, '$get_input');
        if (!graph.hasInput(inputName)) {
          throw functionError('KH-TOSCA-FN-MISSING', `$get_input: no input named "${inputName}"`, 'declare it under service_template.inputs');
        }
        return dig('$get_input', graph.input(inputName), nested) ?? null;
      });
    },
    'tosca:get_property': getter('get_property', source, (c, n) => c.property(n), 'property'),
    'tosca:get_attribute': getter('get_attribute', source, (c, n) => c.attribute(n) ?? c.property(n), 'attribute'),
    'tosca:get_artifact': (args, ctx) => {
      arity('get_artifact', args, 2, Infinity);
      return withArgs(args, ctx, (vs) => {
        const path = resolvePath('$get_artifact', at(ctx.site, '$get_artifact'), ctx.site, vs);
        const artifact = expectString('get_artifact', path.rest[0] ?? null, 'artifact name');
        const values = path.contexts.map((c) => {
          if (c.kind !== 'node') throw functionError('KH-TOSCA-PATH', '$get_artifact: the TOSCA path must lead to a node');
          const v = c.artifact(artifact);
          if (v === undefined) throw functionError('KH-TOSCA-FN-MISSING', `$get_artifact: ${describe(c)} has no artifact "${artifact}"`);
          return v;
        });
        return path.many ? values : values[0]!;
      });
    },
    'tosca:value': (args, ctx) =>
      withArgs(args, ctx, (keys) => {
        const g = typeof source === 'function' ? source(ctx.site) : source;
        const v = g?.value?.(ctx.site) ?? ctx.site.value;
        if (v === undefined) throw functionError('KH-TOSCA-FN-CONTEXT', '$value is only meaningful inside a validation clause');
        return dig('$value', v, keys) ?? null;
      }),
    'tosca:node_index': (args, ctx) => {
      arity('node_index', args, 0);
      const self = selfOf(at(ctx.site, '$node_index'), ctx.site, '$node_index');
      if (self.kind !== 'node') throw functionError('KH-TOSCA-FN-CONTEXT', '$node_index is only meaningful in a node context');
      return BigInt(self.index);
    },
    'tosca:relationship_index': (args, ctx) => {
      arity('relationship_index', args, 0);
      const self = selfOf(at(ctx.site, '$relationship_index'), ctx.site, '$relationship_index');
      if (self.kind !== 'relationship') throw functionError('KH-TOSCA-FN-CONTEXT', '$relationship_index is only meaningful in a relationship context');
      return BigInt(self.index);
    },
    'tosca:available_allocation': (args, ctx) => {
      arity('available_allocation', args, 2, Infinity);
      return withArgs(args, ctx, (vs) => {
        const path = resolvePath('$available_allocation', at(ctx.site, '$available_allocation'), ctx.site, vs);
        const prop = expectString('available_allocation', path.rest[0] ?? null, 'property name');
        const values = path.contexts.map((c) => {
          if (c.kind !== 'capability') throw functionError('KH-TOSCA-PATH', '$available_allocation: the TOSCA path must lead to a capability');
          return available(c.property(prop), c.allocated(prop), prop);
        });
        return path.many ? values : values[0]!;
      });
    },
  };
}

function selfOf(graph: ToscaGraph, site: CallSite, fn: string): ToscaContext {
  const self = graph.self(site);
  if (!self) throw functionError('KH-TOSCA-FN-CONTEXT', `${fn} has no context here`);
  return self;
}

function available(total: Expression | undefined, used: Expression | undefined, prop: string): Expression {
  if (total === undefined || total === null) throw functionError('KH-TOSCA-FN-MISSING', `$available_allocation: property "${prop}" has no value`);
  if (used === undefined || used === null) return total;
  if (typeof total === 'bigint' && typeof used === 'bigint') return total - used;
  if (typeof total === 'number' && typeof used === 'number') return total - used;
  if (isScalar(total) && isScalar(used)) return rescale(scalarParts(total), scalarParts(total).canonical - scalarParts(used).canonical);
  throw functionError('KH-TOSCA-FN-TYPE', `$available_allocation: "${prop}" must be an integer, float or scalar`);
}
