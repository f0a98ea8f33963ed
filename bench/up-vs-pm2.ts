/**
 * up.vs-pm2: `khutulun up` of one Process node with `count: N` (`sleep`, `restart: always`) until
 * every instance is started, against pm2 starting the same N processes from an ecosystem file in
 * the same run (its daemon's start included), at N = 1, 50 and 200. Both run from the built
 * command line (bin/khutulun.js, pm2's bin) as a user would; each side's memory is the RSS of the
 * process holding the workloads (the `up` process, pm2's daemon), read when all are started.
 * pm2 is installed by this benchmark into its scratch folder (`npm install --prefix`), never a
 * dependency of the product; without the registry the benchmark says so and reports nothing.
 * Self-checks: N `sleep` processes with this run's marker argument exist (counted in /proc) and
 * each side reports all N started/online; after each side stops, none is left. pm2's time runs
 * until all N exist in /proc (its `start` may return before the daemon spawned them all).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Benchmark, BenchContext, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/dist\/$/, '/');
const cli = join(root, 'bin', 'khutulun.js');

/** PIDs of `sleep <marker>` processes (this run's workloads only). */
function sleepers(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('sleep') && argv[1] === marker) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Last resort after a failure: the workloads this benchmark started, by PID. */
function killLeft(marker: string): void {
  for (const pid of sleepers(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Run {
  ms: number;
  rssMb: number;
}

async function khutulunUp(base: string, n: number, marker: string): Promise<Run> {
  const dir = join(base, `up-${marker}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `sleep-${n}.yaml`);
  writeFileSync(
    file,
    [
      'tosca_definitions_version: tosca_2_0',
      'imports:',
      '  - profile: khutulun.org:core',
      'service_template:',
      '  node_templates:',
      '    worker:',
      '      type: Process',
      `      count: ${n}`,
      '      properties:',
      '        command: sleep',
      `        args: ["${marker}"]`,
      '        restart: always',
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'up', file, '--name', `bench-${n}`, '--state', join(dir, `state-${n}`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let startedAt: number | undefined;
  let rss = NaN;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (startedAt !== undefined) return;
    // The progress line lists every instance's state: all N started is the moment to measure.
    const line = stderr.split('\n').reverse().find((l) => l.startsWith('  worker'));
    const states = line?.trim().split(' ') ?? [];
    if (states.length === n && states.every((s) => s.endsWith('=started'))) {
      startedAt = performance.now() - t0;
      rss = rssMb(child.pid!);
    }
  });
  try {
    await Promise.race([
      waitFor(() => startedAt !== undefined, 300_000, `khutulun up of ${n} to start them all`),
      exited.then((code) => {
        throw new Error(`khutulun up exited (${code}) before all started: ${stderr.slice(-1500)}`);
      }),
    ]);
    const pids = sleepers(marker);
    if (pids.length !== n) throw new Error(`khutulun up reported ${n} started but ${pids.length} sleep processes run`);
    // Ctrl-C is handled once `up` says it supervises (after its short crash-loop check).
    await waitFor(() => stdout.includes('Ctrl-C') || child.exitCode !== null, 60_000, 'khutulun up to report it is up');
    if (!stdout.includes('is up')) throw new Error(`khutulun up did not report up: ${stdout}`);
    child.kill('SIGINT');
    const code = await exited;
    if (code !== 0) throw new Error(`khutulun up exited ${code} on SIGINT: ${stderr.slice(-1500)} / ${stdout}`);
    if (sleepers(marker).length !== 0) throw new Error('khutulun up left workloads running after it stopped');
    return { ms: startedAt!, rssMb: rss };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    killLeft(marker);
  }
}

function pm2(pm2Bin: string, home: string, args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [pm2Bin, ...args], { env: { ...process.env, PM2_HOME: home }, encoding: 'utf8', timeout: 300_000, maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`pm2 ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-1500)}`);
  return { ms, stdout: r.stdout };
}

async function pm2Start(pm2Bin: string, dir: string, n: number, marker: string): Promise<Run> {
  const home = join(dir, `pm2-home-${n}`);
  mkdirSync(home, { recursive: true });
  const eco = join(dir, `ecosystem-${n}.config.cjs`);
  const apps = Array.from({ length: n }, (_, i) => ({ name: `w-${i}`, script: 'sleep', args: marker, interpreter: 'none', autorestart: true }));
  writeFileSync(eco, `module.exports = ${JSON.stringify({ apps })};\n`);
  try {
    // Timed until all N run (seen in /proc), like `up`'s all-started: pm2 start may return earlier.
    const t0 = performance.now();
    pm2(pm2Bin, home, ['start', eco]);
    await waitFor(() => sleepers(marker).length === n, 180_000, `pm2's ${n} sleep processes`);
    const ms = performance.now() - t0;
    const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
    const rss = rssMb(pid);
    const list = JSON.parse(pm2(pm2Bin, home, ['jlist']).stdout) as { pm2_env?: { status?: string } }[];
    const online = list.filter((p) => p.pm2_env?.status === 'online').length;
    if (online !== n) throw new Error(`pm2 reports ${online} of ${n} online`);
    pm2(pm2Bin, home, ['kill']);
    await waitFor(() => sleepers(marker).length === 0, 30_000, 'pm2 kill to stop its processes');
    return { ms, rssMb: rss };
  } finally {
    killLeft(marker);
    // A failed check must not leave pm2's daemon behind (it is ours: its PID file is in our folder).
    const pidFile = join(home, 'pm2.pid');
    if (existsSync(pidFile)) {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        // Only if that PID is still this run's daemon (never a reused PID).
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(home)) process.kill(pid, 'SIGKILL');
      } catch {
        // already stopped by `pm2 kill`
      }
    }
  }
}

function installPm2(ctx: BenchContext): string | undefined {
  const prefix = join(ctx.tmpDir, 'pm2');
  ctx.log('installing pm2 into the scratch folder (npm install --prefix; not a product dependency)');
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', 'pm2'], { encoding: 'utf8', timeout: 240_000 });
  const bin = join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
  if (r.status !== 0 || !existsSync(bin)) {
    ctx.log(`SKIPPED: cannot install pm2 from the npm registry (${(r.stderr ?? '').trim().split('\n').pop() ?? r.signal ?? 'no answer'}); up.vs-pm2 needs it as its baseline`);
    return undefined;
  }
  return bin;
}

export const upVsPm2: Benchmark = {
  name: 'up.vs-pm2',
  async run(ctx) {
    if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('up.vs-pm2 runs the built CLI: run `npm run build` first');
    const pm2Bin = installPm2(ctx);
    if (!pm2Bin) return [];
    const sizes = ctx.quick ? [1, 10] : [1, 50, 200];
    const results: BenchResult[] = [];
    // Same warm-up for both (disk cache, node's compile cache): one untimed start of one process each.
    const warm = `${3000 + Math.floor(Math.random() * 500)}`;
    await khutulunUp(ctx.tmpDir, 1, warm).catch(() => undefined);
    await pm2Start(pm2Bin, join(ctx.tmpDir, 'warm'), 1, warm).catch(() => undefined);
    for (const n of sizes) {
      const marker = `${4000 + n * 10 + Math.floor(Math.random() * 9)}`;
      // Alternating order per size, so neither side always runs on the warmer box.
      const first = n % 2 === 0 ? 'pm2' : 'khutulun';
      let kh: Run | undefined;
      let pm: Run | undefined;
      for (const side of first === 'pm2' ? ['pm2', 'khutulun'] : ['khutulun', 'pm2']) {
        if (side === 'pm2') pm = await pm2Start(pm2Bin, ctx.tmpDir, n, marker);
        else kh = await khutulunUp(ctx.tmpDir, n, marker);
      }
      ctx.log(`N=${n}: khutulun up ${kh!.ms.toFixed(0)} ms / ${kh!.rssMb.toFixed(0)} MB; pm2 ${pm!.ms.toFixed(0)} ms / ${pm!.rssMb.toFixed(0)} MB`);
      results.push(
        withBaseline({ name: `up.vs-pm2.start.${n}`, value: Math.round(kh!.ms), unit: 'ms', extra: { processes: n, target_ratio: 1 } }, { name: 'pm2 start ecosystem (daemon start included)', value: Math.round(pm!.ms), unit: 'ms' }),
        withBaseline({ name: `up.vs-pm2.rss.${n}`, value: Number(kh!.rssMb.toFixed(1)), unit: 'MB', extra: { processes: n, target_ratio: 1 } }, { name: "pm2 daemon RSS", value: Number(pm!.rssMb.toFixed(1)), unit: 'MB' }),
      );
    }
    return results;
  },
};
