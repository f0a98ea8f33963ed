/** TOSCA 2.0 built-in functions for the store's evaluator (registered as `tosca:<name>`). */
import type { FunctionRegistry } from '../../store/index.js';
import { toscaBuiltins } from './builtins.js';
import { graphFunctions } from './graph-functions.js';
import { operationOutputFunction } from './operation-output.js';
import type { GraphSource } from './graph-functions.js';

/** Every built-in function name of TOSCA 2.0 §10.2 (without the `$`). */
export const TOSCA_FUNCTION_NAMES: readonly string[] = [
  ...Object.keys(toscaBuiltins),
  'tosca:get_input', 'tosca:get_property', 'tosca:get_attribute', 'tosca:get_artifact', 'tosca:value',
  'tosca:node_index', 'tosca:relationship_index', 'tosca:available_allocation',
].map((n) => n.slice('tosca:'.length));

/** Registers the TOSCA built-ins; graph functions only when a graph view is given. */
export function registerToscaFunctions(registry: FunctionRegistry, graph?: GraphSource): FunctionRegistry {
  for (const [name, impl] of Object.entries(toscaBuiltins)) registry.register(name, impl);
  if (graph) for (const [name, impl] of Object.entries(graphFunctions(graph))) registry.register(name, impl);
  if (graph) registry.register('tosca:get_operation_output', operationOutputFunction(graph));
  return registry;
}

export { toscaBuiltins, graphFunctions };
export type { GraphSource } from './graph-functions.js';
export { toscaEquals, toscaCompare, typeName } from './compare.js';
export {
  SCALAR, VERSION, TIMESTAMP, scalarValue, scalarParts, isScalar, versionValue, timestampValue,
  parseVersion, compareVersions, timestampKey, rescale,
} from './typed-values.js';
export type { ScalarParts } from './typed-values.js';
export { resolvePath, dig } from './path.js';
export type { ToscaGraph, ToscaNode, ToscaCapability, ToscaRelationship, ToscaContext } from './graph.js';
