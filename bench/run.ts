/**
 * `npm run bench -- [--json] [--only PREFIX]... [--quick]`
 * Runs the registered benchmarks one after the other; with --json prints one JSON object per line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarks } from './index.js';
import type { BenchResult } from './types.js';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) if (argv[i] === '--only' && argv[i + 1]) only.push(argv[++i]!);
  const selected = benchmarks.filter(
    (b) => only.length === 0 || only.some((p) => b.name === p || b.name.startsWith(p + '.') || b.name.startsWith(p)),
  );
  if (selected.length === 0) {
    process.stderr.write(`no benchmark matches ${only.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  let failed = 0;
  for (const bench of selected) {
    const tmpDir = mkdtempSync(join(tmpdir(), `kh-bench-${bench.name}-`));
    try {
      const results: BenchResult[] = await bench.run({ tmpDir, quick, log: (m) => process.stderr.write(`[${bench.name}] ${m}\n`) });
      for (const r of results) {
        if (json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          const base = r.baseline ? `  (baseline ${r.baseline.name} ${r.baseline.value}${r.baseline.unit ?? ''}, ratio ${r.ratio})` : '';
          process.stdout.write(`${r.name.padEnd(32)} ${String(r.value).padStart(12)} ${r.unit}${base}\n`);
        }
      }
    } catch (error) {
      failed++;
      process.stderr.write(`[${bench.name}] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
