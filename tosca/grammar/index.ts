export { readToscaFile, TOSCA_2_0, LEGACY_VERSIONS } from './read-file.js';
export type { ToscaFileDef } from './read-file.js';
export { GrammarContext } from './context.js';
export { KIND_SECTION } from './read-types.js';
export { readActivity } from './read-templates.js';
