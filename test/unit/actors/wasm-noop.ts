/** The built-in khutulun.noop Wasm plugin in a real PluginHost (built on the fly if `npm run build` did not run). */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinPlugins } from '../../../plugins/builtin/index.js';
import { PluginHost } from '../../../plugins/host/index.js';

export async function noopPluginPath(): Promise<string> {
  const builtin = builtinPlugins().find((p) => p.id === 'khutulun.noop')!;
  if (existsSync(builtin.path)) return builtin.path;
  const { buildPlugin } = await import('../../../plugins/sdk/build.js');
  const out = join(await mkdtemp(join(tmpdir(), 'kh-actors-noop-')), 'khutulun.noop.wasm');
  await buildPlugin({ source: fileURLToPath(new URL('../../../plugins/builtin/noop/plugin.ts', import.meta.url)), out });
  return out;
}

export async function wasmNoopHost(threads = 2): Promise<PluginHost> {
  const host = await PluginHost.create({ threads, callTimeoutMs: 5000 });
  await host.register({ id: 'khutulun.noop', url: await noopPluginPath() });
  return host;
}
