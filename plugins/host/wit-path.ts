/** Where our WIT world lives, from sources (tsx/vitest) and from dist/ alike. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function pluginWitPath(): string {
  for (const rel of ['../wit/khutulun.wit', '../../../plugins/wit/khutulun.wit']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('plugins/wit/khutulun.wit not found next to the plugin host');
}
