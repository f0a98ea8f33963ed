export { processSpec } from './plugin.js';
