/**
 * Transpiles a component with jco once per content hash and keeps the output on disk, so a restart
 * (or a second host) loads it without paying the ~0.3–1 s transpile again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { transpile as Transpile } from '@bytecodealliance/jco';
import { PluginErrorCode, pluginError } from './errors.js';

/** Bump when the transpile options or the loader's expectations change. */
const CACHE_FORMAT = 'kh-transpile-2';

export interface TranspiledPlugin {
  /** sha256 of the component bytes (and cache format). */
  hash: string;
  /** Folder holding `plugin.js` and its core modules. */
  dir: string;
  /** Import specifiers the component needs (e.g. `wasi:filesystem/types`). */
  imports: string[];
  exports: string[];
}

interface CacheMeta {
  imports: string[];
  exports: string[];
}

export async function transpileCached(bytes: Uint8Array, cacheDir: string): Promise<TranspiledPlugin> {
  const hash = createHash('sha256').update(CACHE_FORMAT).update(bytes).digest('hex');
  const dir = join(cacheDir, hash);
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) {
    try {
      const meta = JSON.parse(await readFile(metaPath, 'utf8')) as CacheMeta;
      return { hash, dir, imports: meta.imports, exports: meta.exports };
    } catch {
      // A damaged cache entry is rebuilt below.
    }
  }
  let out: Awaited<ReturnType<typeof Transpile>>;
  try {
    // jco loads on the first transpile (a cache hit never needs it).
    const { transpile } = await import('@bytecodealliance/jco');
    out = await transpile(bytes, { name: 'plugin', instantiation: 'async', noTypescript: true, quiet: true });
  } catch (cause) {
    throw pluginError(PluginErrorCode.load, `not a valid Wasm component: ${(cause as Error).message ?? String(cause)}`, {
      hint: 'register a WebAssembly component (not a core module) built for plugins/wit/khutulun.wit',
      cause,
    });
  }
  const meta: CacheMeta = { imports: out.imports, exports: out.exports.map(([name]) => name) };
  // Write into a private folder and rename: concurrent hosts never see a half-written entry.
  const tmp = `${dir}.tmp-${process.pid}-${Math.floor(performance.now() * 1000)}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const [name, data] of Object.entries(out.files)) {
      if (name.endsWith('.d.ts')) continue;
      await writeFile(join(tmp, name), data);
    }
    // The output is ESM: say so here, or a cache inside a CommonJS app (whose package.json has no
    // "type": "module") would load plugin.js as CommonJS and fail.
    await writeFile(join(tmp, 'package.json'), '{"type":"module"}\n');
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(metaPath)) throw error;
    // Another process won the race with identical content: use theirs.
  }
  return { hash, dir, ...meta };
}
