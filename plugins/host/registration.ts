/** What `host.register` accepts, and the capability grants a plugin may receive. */

/**
 * Capabilities a plugin may be granted. Deny by default: a component importing WASI interfaces
 * gets shims that refuse (KH-PLUGIN-DENIED) unless its registration grants the group.
 * `wasi:io/*` (streams, poll, error) is plumbing without authority and always linked.
 */
export interface PluginGrants {
  /** `wasi:filesystem/*` (the host's preopens). */
  filesystem?: boolean;
  /** `wasi:sockets/*` and `wasi:http/*`. */
  network?: boolean;
  /** `wasi:clocks/*` (plugins are otherwise deterministic). */
  clocks?: boolean;
  /** `wasi:random/*`. */
  random?: boolean;
  /** `wasi:cli/stdin|stdout|stderr|terminal-*` (the worker's stdio). */
  stdio?: boolean;
  /** `wasi:cli/environment` and `wasi:cli/exit`. */
  environment?: boolean;
}

export type PluginGrant = keyof PluginGrants;

export const GRANT_NAMES: readonly PluginGrant[] = ['filesystem', 'network', 'clocks', 'random', 'stdio', 'environment'];

export interface PluginRegistration {
  /** The Floria plugin id, e.g. `khutulun.process`. Handlers name it as `<id>:<function>`. */
  id: string;
  /** Where the component is: a filesystem path or a `file:` URL. */
  url?: string | URL;
  /** The component's bytes (instead of url). */
  bytes?: Uint8Array;
  grants?: PluginGrants;
}

/** Which grant group a WASI import (e.g. `wasi:filesystem/types@0.2.3`) belongs to; undefined = always allowed. */
export function grantForImport(specifier: string): PluginGrant | 'other' | undefined {
  const bare = specifier.replace(/@[^/]*$/, '');
  if (!bare.startsWith('wasi:')) return 'other';
  const [pkg, iface = ''] = bare.slice('wasi:'.length).split('/');
  switch (pkg) {
    case 'io':
      return undefined;
    case 'filesystem':
      return 'filesystem';
    case 'sockets':
    case 'http':
      return 'network';
    case 'clocks':
      return 'clocks';
    case 'random':
      return 'random';
    case 'cli':
      return iface === 'environment' || iface === 'exit' ? 'environment' : 'stdio';
    default:
      return 'other';
  }
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Plugin ids are Floria entity names: segments of letters, digits, `.`, `_`, `-`; no `:`. */
export function isValidPluginId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= 200 && ID_PATTERN.test(id);
}
