export { ProblemSink } from './problem.js';
export type { Problem, Position } from './problem.js';
export { Codes } from './codes.js';
export type { ProblemCode } from './codes.js';
