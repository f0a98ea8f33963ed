/**
 * Builds the import object for a transpiled component inside a worker. Deny by default: every
 * WASI interface outside the registration's grants is a shim whose functions throw
 * KH-PLUGIN-DENIED, so a plugin can be loaded but cannot touch files, sockets, clocks or env.
 */
import { KhutulunError } from '../../common/index.js';
import { PluginErrorCode } from './errors.js';
import { grantForImport } from './registration.js';
import type { PluginGrants } from './registration.js';

// The shim is a large module: load it only for plugins that were granted something.
type ShimModule = Record<string, Record<string, unknown>>;
let shimPromise: Promise<ShimModule> | undefined;
const loadShim = (): Promise<ShimModule> =>
  (shimPromise ??= import('@bytecodealliance/preview2-shim') as unknown as Promise<ShimModule>);

const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** An interface object whose every member refuses. Constructible, so resource classes fit too. */
export function denyingInterface(specifier: string, grant: string): Record<string, unknown> {
  const refuse = (member: string): unknown =>
    function denied(): never {
      throw new KhutulunError(PluginErrorCode.denied, `plugin used ${specifier}#${member}, which it is not granted`, {
        hint: grant === 'other'
          ? `the host provides no import ${specifier}; plugins may import only plugins/wit/khutulun.wit and WASI`
          : `grant "${grant}" in the plugin registration if the plugin really needs it`,
        details: { import: specifier, member },
      });
    };
  return new Proxy({} as Record<string, unknown>, {
    get(_target, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return refuse(prop);
    },
  });
}

export async function buildImports(importSpecifiers: readonly string[], grants: PluginGrants = {}): Promise<Record<string, unknown>> {
  const imports: Record<string, unknown> = {};
  for (const specifier of importSpecifiers) {
    const grant = grantForImport(specifier);
    const allowed = grant === undefined || (grant !== 'other' && grants[grant] === true);
    if (!allowed) {
      imports[specifier] = denyingInterface(specifier, grant ?? 'other');
      continue;
    }
    const bare = specifier.replace(/@[^/]*$/, '');
    const [pkg = '', iface = ''] = bare.slice('wasi:'.length).split('/');
    const shim = await loadShim();
    const impl = shim[pkg]?.[camel(iface)];
    imports[specifier] = impl ?? denyingInterface(specifier, 'other');
  }
  return imports;
}
