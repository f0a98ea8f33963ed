export { pristineContainerSpec } from './plugin.js';
