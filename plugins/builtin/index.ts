export { builtinPlugins, builtinBuildDir, BUILTIN_PLUGIN_NAMES } from './registrations.js';
export type { BuiltinPlugin } from './registrations.js';
