#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` via "prepare").
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('khutulun: not built yet (dist/cli/main.js missing). Run `npm install` or `npm run build` in ' + root + '\n');
  process.exit(2);
}
// stdout carries command results only (scripts parse `-o json`): libraries that log through
// console (automerge-repo does) go to stderr.
for (const level of ['log', 'info', 'debug', 'warn']) console[level] = console.error;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
