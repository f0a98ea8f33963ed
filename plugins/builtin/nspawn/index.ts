export { systemContainerSpec } from './plugin.js';
