/** Node-side SDK entry: building plugins (kept apart from what runs inside a plugin). */
export { buildPlugin, bundlePlugin } from './build-plugin.js';
export type { BuildPluginOptions, BuiltPlugin } from './build-plugin.js';
