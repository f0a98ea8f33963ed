/**
 * `npm run conformance` (or `npx tsx tosca/conformance/run.ts [DIR]`): validates every labelled
 * file of the conformance suite and prints the pass rate and each disagreement.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSuiteDir, runSuite } from './suite.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(path.join(dir, 'package.json')); i++) dir = path.dirname(dir);
  return dir;
}

const dir = process.argv[2] ?? process.env['TOSCA_CONFORMANCE_DIR'] ?? defaultSuiteDir(repoRoot());
if (!existsSync(path.join(dir, 'MANIFEST.tsv'))) {
  process.stderr.write(`conformance: no MANIFEST.tsv in ${dir} (pass the suite folder as an argument)\n`);
  process.exit(2);
}
const report = await runSuite(dir);
for (const d of report.disagreements) {
  const first = d.problems[0];
  process.stdout.write(`DISAGREE ${d.file}: expected ${d.expected}${first ? `; first problem ${first.line}:${first.column} ${first.code}: ${first.message}` : ''}\n`);
}
process.stdout.write(`conformance: ${report.passed}/${report.total} = ${(report.rate * 100).toFixed(1)}%\n`);
