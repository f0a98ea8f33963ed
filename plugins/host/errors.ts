/** The plugin layer's error codes: stable, documented in docs/plugins.md. */
import { KhutulunError } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';

export const PluginErrorCode = {
  /** The call ran longer than callTimeoutMs (endless loop?); its worker was replaced. */
  timeout: 'KH-PLUGIN-TIMEOUT',
  /** The Wasm code trapped (unreachable, out-of-bounds, stack overflow…). */
  trap: 'KH-PLUGIN-TRAP',
  /** The plugin returned an error of its own (uncoded). */
  failed: 'KH-PLUGIN-FAILED',
  /** The plugin used a capability its registration does not grant (WASI fs, network…). */
  denied: 'KH-PLUGIN-DENIED',
  /** The plugin's linear memory grew past maxMemoryMb. */
  memory: 'KH-PLUGIN-MEMORY',
  /** The worker died under the call (heap limit, crash); it was replaced. */
  crash: 'KH-PLUGIN-CRASH',
  /** The plugin answered something that is not the documented JSON. */
  output: 'KH-PLUGIN-OUTPUT',
  /** No plugin with that id is registered. */
  unknown: 'KH-PLUGIN-UNKNOWN',
  /** The component could not be read, transpiled or instantiated. */
  load: 'KH-PLUGIN-LOAD',
  /** The registration or the call is malformed. */
  invalid: 'KH-PLUGIN-INVALID',
  /** The host was closed. */
  closed: 'KH-PLUGIN-CLOSED',
  /** A shipped plugin's blob does not match the content hash its deployment recorded. */
  tampered: 'KH-PLUGIN-TAMPERED',
  /** A plugin asks for a grant the cluster's policy does not allow it. */
  grant: 'KH-PLUGIN-GRANT',
  /** A shipped plugin's blob is missing, too large or not (yet) reachable. */
  blob: 'KH-PLUGIN-BLOB',
  /** Building a plugin from source failed. */
  build: 'KH-PLUGIN-BUILD',
} as const;

export type PluginErrorCodeValue = (typeof PluginErrorCode)[keyof typeof PluginErrorCode];

export function pluginError(
  code: PluginErrorCodeValue,
  message: string,
  options: { hint?: string; retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {},
): KhutulunError {
  return new KhutulunError(code, message, options);
}

/** Plain error data for a failed call (what PluginCallResult carries). */
export function pluginErrorData(
  code: PluginErrorCodeValue,
  message: string,
  options: { hint?: string; retryable?: boolean; details?: Record<string, unknown> } = {},
): ErrorData {
  return {
    code,
    message,
    retryable: options.retryable ?? false,
    ...(options.hint !== undefined ? { hint: options.hint } : {}),
    ...(options.details !== undefined ? { details: options.details } : {}),
  };
}
