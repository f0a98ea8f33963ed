export type * from './definitions.js';
export { TYPE_KINDS } from './definitions.js';
export type * from './templates.js';
export type * from './values.js';
export type * from './normalized.js';
