/**
 * The built-in plugins come transpiled from the build (scripts/build-plugins.mjs writes
 * plugins/builtin/build/transpiled/<hash>/ and an index of id -> hash). Before the first call of a
 * built-in, its entry is copied into this host's plugin cache, where the plugin host finds it by
 * content hash; a stale or missing entry only means the host transpiles it itself.
 */
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { builtinBuildDir } from '../plugins/index.js';

export function seedBuiltinCache(id: string, cacheDir: string): void {
  try {
    const prebuilt = join(builtinBuildDir(), 'transpiled');
    const hash = (JSON.parse(readFileSync(join(prebuilt, 'index.json'), 'utf8')) as Record<string, unknown>)[id];
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return;
    const target = join(cacheDir, hash);
    if (existsSync(join(target, 'meta.json')) || !existsSync(join(prebuilt, hash, 'meta.json'))) return;
    // Into a private folder, then renamed: a half-copied entry is never seen.
    const tmp = `${target}.tmp-${process.pid}`;
    cpSync(join(prebuilt, hash), tmp, { recursive: true });
    try {
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch {
    // No prebuilt entry (a source checkout before its build): the plugin host transpiles.
  }
}
