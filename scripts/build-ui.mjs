// Bundles the live page (ui/app.ts with cytoscape) into dist/ui/ with esbuild, beside its HTML and
// CSS: the agent serves these files (agent/ui-routes.ts); nothing is fetched from a CDN. Run by
// scripts/prepare.mjs (npm install / npm run build). Type-checked by `npm run typecheck`.
//   node scripts/build-ui.mjs
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'ui');
try {
  createRequire(join(root, 'package.json')).resolve('cytoscape');
} catch {
  // An install without devDependencies: everything else works; the agent answers `/` with
  // 503 KH-AGENT-080 "the live page is not built" (never a blank page).
  process.stderr.write('khutulun: the live page is not bundled: cytoscape (a devDependency) is not installed; run npm install (with dev dependencies) and npm run build\n');
  process.exit(0);
}
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'ui', 'app.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(root, 'ui', file), join(out, file));
