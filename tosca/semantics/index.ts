export { Scope, buildScopes } from './scope.js';
export { Hierarchy, mergeProperty } from './hierarchy.js';
export { checkType, checkPropertyDef, checkFunctionDef } from './check-types.js';
export { checkServiceTemplate } from './check-templates.js';
export { checkValue, parseScalar, scalarUnits, unitOf, versionText } from './values.js';
export type { ValueContext } from './values.js';
export { toValue, isCall, functionName, BUILTIN_FUNCTIONS } from './functions.js';
export { BUILTIN_TYPES, BUILTIN_NAMES, BUILTIN_FILE } from './builtins.js';
export { normalizeServiceTemplate } from './normalize.js';
