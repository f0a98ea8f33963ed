export type { Expression, MapExpression, CallExpression, CustomExpression, CallMode } from './types.js';
export {
  I64_MIN,
  U64_MAX,
  isMap,
  isCall,
  isCustom,
  isList,
  map,
  stringMap,
  call,
  custom,
  mapGet,
  mapToRecord,
  containsCall,
  validateExpression,
  expressionEquals,
} from './types.js';
export { encodeExpression, decodeExpression } from './codec.js';
export { toJson, fromJson } from './json.js';
export type { Json, FromJsonOptions } from './json.js';
export { FunctionRegistry } from './registry.js';
export type { CallSite, CallContext, FunctionImpl, FunctionResolver, MaybePromise } from './registry.js';
export { evaluate, evaluateOrThrow } from './evaluator.js';
export type { Evaluation } from './evaluator.js';
export { floriaBuiltins, createFunctionRegistry } from './builtins.js';
