export { PluginHost } from './plugin-host.js';
export type { PluginHostLike, PluginHostOptions } from './plugin-host.js';
export { FakePluginHost } from './fake-plugin-host.js';
export type { FakeHandler } from './fake-plugin-host.js';
export { parseHandlerName } from './call.js';
export type {
  PluginCall,
  PluginCallResult,
  PluginEvent,
  PluginManifest,
  VertexSnapshot,
  EdgeSnapshot,
  PeerSnapshot,
} from './call.js';
export { PluginErrorCode } from './errors.js';
export type { PluginErrorCodeValue } from './errors.js';
export { GRANT_NAMES, isValidPluginId } from './registration.js';
export type { PluginGrant, PluginGrants, PluginRegistration } from './registration.js';
export { effectProblem, parseInvokeOutput } from './output.js';
export { transpileCached } from './transpile-cache.js';
export type { TranspiledPlugin } from './transpile-cache.js';
export { watPluginComponent, watPluginSource } from './wat-plugin.js';
export type { WatPluginOptions } from './wat-plugin.js';
export { pluginWitPath } from './wit-path.js';
