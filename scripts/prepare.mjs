// `npm install` / `npm pack` run this (package.json "prepare"): the TypeScript build and the
// built-in Wasm plugins, skipped when nothing they are made from changed since the last build
// (a hash of the sources, kept in dist/.sources.sha256), then the live page's bundle (under a second). Says what it does, since it takes a while.
//   node scripts/prepare.mjs [--force]
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampPath = join(root, 'dist', '.sources.sha256');
const say = (text) => process.stderr.write(`khutulun: ${text}\n`);

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist' || entry === 'build' || entry.startsWith('.')) continue;
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|mts|wit|json)$/.test(entry)) yield path;
  }
}

/** What tsc reads: its config's include list, the configs and the lock file. */
function sourcesHash() {
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  const hash = createHash('sha256');
  for (const item of config.include ?? []) {
    const path = join(root, item);
    const list = existsSync(path) && statSync(path).isFile() ? [path] : [...files(path)];
    for (const file of list) hash.update(relative(root, file)).update(readFileSync(file));
  }
  for (const file of ['tsconfig.json', 'package.json', 'package-lock.json']) {
    if (existsSync(join(root, file))) hash.update(file).update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

function run(what, args) {
  const started = Date.now();
  say(`${what}…`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say(`${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  say(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const stamp = sourcesHash();
const built = existsSync(join(root, 'dist', 'cli', 'main.js')) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp;
if (built && !process.argv.includes('--force')) {
  say('TypeScript build up to date (sources unchanged), skipped');
} else {
  run('compiling TypeScript to dist/ (about 30 s on a first install)', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  writeFileSync(stampPath, stamp);
}
run('building the built-in Wasm plugins (skipped when unchanged)', [join(root, 'scripts', 'build-plugins.mjs')]);
run('bundling the live page (dist/ui)', [join(root, 'scripts', 'build-ui.mjs')]);
