/**
 * The plugin SDK. `definePlugin` and the effect builders run inside plugins (bundled into the
 * component); `buildPlugin` runs on the developer's machine (Node) and is exported from
 * `./build.js` so plugin code never pulls esbuild in.
 */
export { definePlugin, fail, value, PluginFailure } from './define-plugin.js';
export type { HandlerOutput, PluginExports, PluginHandler } from './define-plugin.js';
export { setProperty, intent, ensure, remove, observe, emit, log } from './effect-builders.js';
export { parseDurationMs, parseSizeBytes } from './scalars.js';
export { readString, readNumber, readBoolean, readStringList, readStringMap, workloadId } from './read-properties.js';
