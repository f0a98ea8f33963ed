export { containerSpec } from './plugin.js';
