/**
 * TOSCA 2.0 front end: reading (YAML with positions, imports, profiles, CSAR), grammar checks,
 * type resolution and validation. `validateFile` is the entry point; `ToscaModel` is what the
 * compile step consumes (entry definitions, scope for name lookup, hierarchy for inheritance).
 */
export { validateFile, validateLocation } from './processor.js';
export type { ToscaModel, ValidationResult, ValidateOptions } from './processor.js';
export { ProblemSink, Codes } from './problems/index.js';
export type { Problem, Position, ProblemCode } from './problems/index.js';
export { ProfileCatalog, buildCatalog, projectProfilesDir } from './catalog/index.js';
export { parseYaml } from './reader/index.js';
export type { PNode, PMap, PList, PScalar } from './reader/index.js';
export { readToscaFile } from './grammar/index.js';
export type { ToscaFileDef } from './grammar/index.js';
export type * from './model/index.js';
export { Scope, Hierarchy, toValue, checkValue, BUILTIN_FUNCTIONS, normalizeServiceTemplate } from './semantics/index.js';
export { openCsar, parseToscaMeta } from './loader/index.js';
