/**
 * Builds a TypeScript (or JS) plugin into a Wasm component: esbuild bundles it into one ES module,
 * then componentize-qjs wraps it in QuickJS for our WIT world. Sync ABI and stubbed WASI: the
 * component imports nothing, so it has no ambient authority (~1.5 MB, ~2 s, ~30 µs per call).
 * Never AOT: that downloads a tool at first use, which fails offline.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { PluginErrorCode, pluginError } from '../host/errors.js';
import { pluginWitPath } from '../host/wit-path.js';

export interface BuildPluginOptions {
  /** The plugin's entry module (.ts or .js) exporting `describe` and `invoke`. */
  source: string;
  /** Write the component here too (folders are created). */
  out?: string;
  /** Told each step as it starts (`bundling`, `componentizing`, `writing`): builds take seconds. */
  onStep?: (step: 'bundling' | 'componentizing' | 'writing') => void;
}

export interface BuiltPlugin {
  bytes: Uint8Array;
  /** The bundled JavaScript that went into the component (for debugging). */
  bundle: string;
  /** `sha256:<hex>` of the component: what a registry or a deployment records. */
  sha256: string;
}

/**
 * The SDK that runs inside plugins, from THIS installation (dist/ or sources): a plugin written in
 * a folder of its own imports `khutulun/plugins/sdk` and gets it whether or not that folder has
 * khutulun in its node_modules (a global install, npx).
 */
export function sdkEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = join(dirname(here), `index${ext}`);
  if (!existsSync(entry)) throw pluginError(PluginErrorCode.build, `the plugin SDK is missing from this installation (${entry})`, { hint: 'reinstall khutulun' });
  return entry;
}

/** Resolves `khutulun/plugins/sdk` to sdkEntry(). */
function sdkResolver(): Plugin {
  return {
    name: 'khutulun-sdk',
    setup(b) {
      b.onResolve({ filter: /^khutulun\/plugins\/sdk$/ }, () => ({ path: sdkEntry() }));
    },
  };
}

/** Bundles a plugin entry into one dependency-free ES module. */
export async function bundlePlugin(source: string): Promise<string> {
  try {
    // The toolchains load when a plugin is built, not with the layer (an agent never needs them).
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [resolve(source)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2020',
      logLevel: 'silent',
      plugins: [sdkResolver()],
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error('esbuild produced no output');
    return file.text;
  } catch (cause) {
    throw pluginError(PluginErrorCode.build, `cannot bundle ${source}: ${(cause as Error).message}`, {
      hint: 'a plugin may import only pure TypeScript/JS (no node: modules); fix the errors above',
      cause,
    });
  }
}

export async function buildPlugin(options: BuildPluginOptions): Promise<BuiltPlugin> {
  options.onStep?.('bundling');
  const bundle = await bundlePlugin(options.source);
  options.onStep?.('componentizing');
  // componentize-qjs resolves paths from the entry's folder: give it a private one.
  const work = await mkdtemp(join(tmpdir(), 'kh-plugin-build-'));
  let bytes: Uint8Array;
  try {
    const jsPath = join(work, 'plugin.js');
    await writeFile(jsPath, bundle);
    const { componentize } = await import('componentize-qjs');
    const result = await componentize({
      witPath: pluginWitPath(),
      world: 'plugin',
      jsSource: bundle,
      jsPath,
      moduleRoot: work,
      stubWasi: true,
      sync: true,
    });
    bytes = new Uint8Array(result.component);
  } catch (cause) {
    throw pluginError(PluginErrorCode.build, `cannot componentize ${options.source}: ${(cause as Error).message}`, {
      hint: 'the module must export describe() and invoke(fn, event, snapshot) — use definePlugin from khutulun/plugins',
      cause,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (options.out !== undefined) {
    options.onStep?.('writing');
    await mkdir(dirname(resolve(options.out)), { recursive: true });
    await writeFile(options.out, bytes);
  }
  return { bytes, bundle, sha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}
