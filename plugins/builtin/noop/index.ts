export { describe, invoke } from './plugin.js';
