/** The package's own metadata (version), read from package.json next to the sources or dist/. */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  // cli/ in the sources, dist/cli/ once built: the first package.json up that is ours.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'khutulun' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; try one level up
    }
  }
  return 'unknown';
}
