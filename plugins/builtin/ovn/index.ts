export { networkSpec } from './plugin.js';
