/**
 * tosca.vs-tosca-parser: the same TOSCA 1.x files (bench/tosca-1x-corpus.ts, 120 templates both
 * processors accept) validated by `khutulun validate` and by OpenStack's tosca-parser (Debian's
 * python3-tosca-parser made runnable by ../shared/tosca/tosca-parser/setup.sh), each side as one
 * process, in the same run: one file, and all files. The cost per added file is the slope
 * (all - one) / (files - 1). Needs dist/ (npm run build) and python3-tosca-parser.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { legacyTemplate } from './tosca-1x-corpus.js';
import { withBaseline, type BenchResult, type Benchmark } from './types.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SETUP = path.resolve(ROOT, '..', 'shared', 'tosca', 'tosca-parser', 'setup.sh');
const ALT_SETUP = '/work/shared/tosca/tosca-parser/setup.sh';
const FILES = 120;

const PY = `import sys
from toscaparser.tosca_template import ToscaTemplate
bad = 0
for f in sys.argv[1:]:
    try:
        ToscaTemplate(f)
    except Exception:
        bad += 1
sys.stderr.write("invalid %d\\n" % bad)
sys.exit(1 if bad else 0)
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): { ms: number; status: number | null; stderr: string } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env, cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - t, status: r.status, stderr: r.stderr };
}

export const toscaVsToscaParser: Benchmark = {
  name: 'tosca.vs-tosca-parser',
  async run(ctx) {
    const setup = existsSync(SETUP) ? SETUP : ALT_SETUP;
    const bin = path.join(ROOT, 'bin', 'khutulun.js');
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')) || !existsSync('/usr/lib/python3/dist-packages/toscaparser') || !existsSync(setup)) {
      ctx.log('tosca.vs-tosca-parser: needs dist/ (npm run build) and python3-tosca-parser (apt-get install python3-tosca-parser): not measured');
      return [{ name: 'tosca.vs-tosca-parser.not-measured', value: 0, unit: 'n/a', extra: { reason: 'dist/ or python3-tosca-parser missing' } }];
    }
    const dir = path.join(ctx.tmpDir, 'tosca-1x');
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const f = `t${String(i).padStart(3, '0')}.yaml`;
      writeFileSync(path.join(dir, f), legacyTemplate(i));
      files.push(f);
    }
    const tp = spawnSync('bash', [setup, path.join(ctx.tmpDir, 'tosca-parser')], { encoding: 'utf8' });
    if (tp.status !== 0) throw new Error(`tosca-parser setup failed: ${tp.stderr}`);
    writeFileSync(path.join(dir, 'tp.py'), PY);
    const pyEnv = { ...process.env, PYTHONPATH: tp.stdout.trim() };
    const runs = ctx.quick ? 3 : 5;
    // The TOSCA layer alone (no CLI start-up): separates the front end's cost from the CLI's.
    writeFileSync(
      path.join(dir, 'lib.mjs'),
      `const { validateFile, buildCatalog } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'tosca', 'index.js'))});\n` +
        `const catalog = await buildCatalog([], process.cwd());\nlet bad = 0;\n` +
        `for (const f of process.argv.slice(2)) if (!(await validateFile(f, { catalog })).valid) bad++;\nprocess.exit(bad ? 1 : 0);\n`,
    );
    const sides = {
      khutulun: (fs: string[]) => timed(process.execPath, [bin, 'validate', ...fs], process.env, dir),
      khutulunLibrary: (fs: string[]) => timed(process.execPath, ['lib.mjs', ...fs], process.env, dir),
      toscaParser: (fs: string[]) => timed('/usr/bin/python3', ['tp.py', ...fs], pyEnv, dir),
    };
    const m: Record<string, { one: number; all: number }> = {};
    for (const [name, run] of Object.entries(sides)) {
      const one: number[] = [];
      const all: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Interleaved, so both sides see the same load.
        const a = run([files[0]!]);
        const b = run(files);
        if (a.status !== 0 || b.status !== 0) throw new Error(`${name} did not accept the corpus: ${(a.stderr + b.stderr).slice(0, 500)}`);
        one.push(a.ms);
        all.push(b.ms);
      }
      m[name] = { one: median(one), all: median(all) };
    }
    const k = m['khutulun']!;
    const lib = m['khutulunLibrary']!;
    const p = m['toscaParser']!;
    const slope = (x: { one: number; all: number }): number => (x.all - x.one) / (FILES - 1);
    const r2 = (x: number): number => Number(x.toFixed(2));
    const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
    const extra = { files: FILES, load_average_1m: load };
    const out: BenchResult[] = [
      withBaseline({ name: 'tosca.vs-tosca-parser.one-file', value: r2(k.one), unit: 'ms', extra }, { name: 'tosca-parser one file', value: r2(p.one), unit: 'ms' }),
      withBaseline({ name: 'tosca.vs-tosca-parser.all-files', value: r2(k.all), unit: 'ms', extra }, { name: `tosca-parser ${FILES} files`, value: r2(p.all), unit: 'ms' }),
      withBaseline({ name: 'tosca.vs-tosca-parser.per-added-file', value: r2(slope(k)), unit: 'ms', extra: { ...extra, target: '>= 3x faster than tosca-parser' } }, { name: 'tosca-parser per added file', value: r2(slope(p)), unit: 'ms' }),
      withBaseline({ name: 'tosca.vs-tosca-parser.library.one-file', value: r2(lib.one), unit: 'ms', extra: { ...extra, note: 'dist/tosca imported directly, no CLI start-up' } }, { name: 'tosca-parser one file', value: r2(p.one), unit: 'ms' }),
      withBaseline({ name: 'tosca.vs-tosca-parser.library.all-files', value: r2(lib.all), unit: 'ms', extra }, { name: `tosca-parser ${FILES} files`, value: r2(p.all), unit: 'ms' }),
      withBaseline({ name: 'tosca.vs-tosca-parser.library.per-added-file', value: r2(slope(lib)), unit: 'ms', extra }, { name: 'tosca-parser per added file', value: r2(slope(p)), unit: 'ms' }),
    ];
    return out;
  },
};
