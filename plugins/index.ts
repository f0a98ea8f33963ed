/**
 * The plugins layer: the Wasm plugin host (what actors call), the built-in plugins, and the SDK.
 * Plugin code itself should import `khutulun/plugins/sdk` (pure, bundles into a component);
 * this door also pulls in Node-only parts (piscina, jco, esbuild).
 */
export * from './host/index.js';
export * from './builtin/index.js';
export * from './sdk/index.js';
export { buildPlugin, bundlePlugin } from './sdk/build.js';
export type { BuildPluginOptions, BuiltPlugin } from './sdk/build.js';
export type { Effect, EmitEvent, IntentEffect, JsonValue, LogEffect, PropertyUpdate } from './effects.js';
