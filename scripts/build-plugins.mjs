// Builds the built-in Wasm plugins (plugins/builtin/<name>/plugin.ts) into
// plugins/builtin/build/khutulun.<name>.wasm with the plugin SDK (esbuild + componentize-qjs).
// Runs after `tsc` in `npm run build`; skips the work when the sources have not changed.
// No binary is committed: this script is how every machine gets them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'plugins', 'builtin', 'build');
const stampPath = join(outDir, '.sources.sha256');

function* files(dir) {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry === 'build' || entry === 'node_modules') continue;
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|wit)$/.test(entry)) yield path;
  }
}

const hash = createHash('sha256');
for (const dir of ['plugins/builtin', 'plugins/sdk', 'plugins/wit']) {
  for (const file of files(join(root, dir))) hash.update(relative(root, file)).update(readFileSync(file));
}
for (const file of ['plugins/effects.ts', 'plugins/host/call.ts', 'runtimes/workload.ts', 'package-lock.json']) {
  if (existsSync(join(root, file))) hash.update(file).update(readFileSync(join(root, file)));
}
const stamp = hash.digest('hex');

mkdirSync(outDir, { recursive: true });
const { builtinPlugins } = await import('../dist/plugins/builtin/index.js');
const plugins = builtinPlugins();
const upToDate =
  existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp && plugins.every((p) => existsSync(p.path));
// Transpiled once here (jco, ~0.3-1 s each) so an agent's first call of a built-in does not pay
// it: the agent copies the entry into its own cache (agent/builtin-cache.ts); index.json maps ids.
async function pretranspile() {
  const { transpileCached } = await import('../dist/plugins/host/transpile-cache.js');
  const dir = join(outDir, 'transpiled');
  const index = {};
  for (const plugin of plugins) index[plugin.id] = (await transpileCached(readFileSync(plugin.path), dir)).hash;
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index, null, 1));
}
if (upToDate && !process.argv.includes('--force')) {
  if (!existsSync(join(outDir, 'transpiled', 'index.json'))) await pretranspile();
  console.log(`built-in plugins up to date in ${relative(root, outDir)}`);
  process.exit(0);
}

const { buildPlugin } = await import('../dist/plugins/sdk/build.js');
for (const plugin of plugins) {
  const started = Date.now();
  const { bytes } = await buildPlugin({ source: join(root, 'plugins', 'builtin', plugin.source), out: plugin.path });
  console.log(`built ${plugin.id} → ${relative(root, plugin.path)} (${(bytes.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)`);
}
await pretranspile();
writeFileSync(stampPath, stamp);
