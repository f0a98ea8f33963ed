/**
 * The built-in plugins and where their components are built (plugins/builtin/build/, by
 * `npm run build` → scripts/build-plugins.mjs). The agent registers these at start-up.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BuiltinPlugin {
  /** The Floria plugin id handlers name, e.g. `khutulun.process:start`. */
  id: string;
  /** The TypeScript entry (relative to plugins/builtin/). */
  source: string;
  /** The built component (absolute path). */
  path: string;
}

export const BUILTIN_PLUGIN_NAMES = ['process', 'container', 'nspawn', 'libvirt', 'ovn', 'distrobox', 'noop', 'script'] as const;

/** plugins/builtin/build/, from sources and from dist/ alike. */
export function builtinBuildDir(): string {
  for (const rel of ['./build/', '../../../plugins/builtin/build/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return fileURLToPath(new URL('./build/', import.meta.url));
}

/** Registrations for every built-in plugin: `host.register({ id, url: path })`. */
export function builtinPlugins(): BuiltinPlugin[] {
  const dir = builtinBuildDir();
  return BUILTIN_PLUGIN_NAMES.map((name) => ({
    id: `khutulun.${name}`,
    source: `${name}/plugin.ts`,
    path: `${dir}khutulun.${name}.wasm`,
  }));
}
