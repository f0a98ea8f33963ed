// Prints the plain closing line CI reads ("tests: N passed, N failed") from vitest JSON reports,
// preceded by each failed test and the head of its message, and by any unhandled error quoted
// from the test logs (*.log; vitest fails the run for those but its JSON says success):
// CI keeps only the log's tail.
import { readFileSync, existsSync } from 'node:fs';
let passed = 0, failed = 0, skipped = 0;
const failures = [];
// ANSI colour codes (ESC [ ... m) that vitest writes even into a tee'd log.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const strip = (s) => s.replace(ANSI, '');
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  if (file.endsWith('.log')) {
    const lines = strip(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (/Uncaught Exception|Unhandled Rejection|Unhandled Error(?!s)/.test(line)) {
        failures.push(`UNHANDLED in ${file.replace(/^.*\//, '')}:\n    ${lines.slice(i, i + 14).join('\n    ')}`);
      }
    });
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const f of r.testResults ?? []) {
    for (const a of f.assertionResults ?? []) {
      if (a.status !== 'failed') continue;
      const message = (a.failureMessages ?? []).join('\n').split('\n').slice(0, 6).join('\n    ');
      failures.push(`FAILED ${f.name.replace(/^.*?\/test\//, 'test/')} :: ${a.fullName}\n    ${message}`);
    }
  }
}
for (const line of failures) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length > 0 || failed > 0 ? 1 : 0);
