/**
 * process.start: N instances of `sleep 30` started through the process runtime and observed
 * running, against a bare loop spawning the same program in the same run (target ratio <= 1.5).
 * Everything started is stopped afterwards by PID (baseline) or through remove() (adapter).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProcessRuntimeAdapter } from '../runtimes/index.js';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

function killAll(children: readonly ChildProcess[]): void {
  for (const c of children) {
    if (c.pid === undefined) continue;
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function bareLoop(n: number): Promise<number> {
  const children: ChildProcess[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
    }
    return performance.now() - t0;
  } finally {
    killAll(children);
  }
}

type Tracking = 'cgroup' | 'cgroup-strict' | 'process-group';

async function throughAdapter(n: number, stateDir: string, treeTracking: Tracking): Promise<{ startMs: number; removeMs: number }> {
  const adapter = new ProcessRuntimeAdapter({ stateDir, treeTracking, defaultStopTimeoutMs: 2_000 });
  const ids = Array.from({ length: n }, (_, i) => `bench/sleep-${i}`);
  const t0 = performance.now();
  try {
    for (const id of ids) {
      const o = await adapter.ensure(id, { kind: 'process', command: 'sleep', args: ['30'] });
      if (o.state !== 'running') throw new Error(`${id} is ${o.state}`);
    }
    for (const id of ids) {
      const o = await adapter.observe(id);
      if (o?.state !== 'running') throw new Error(`${id} not observed running`);
    }
    const startMs = performance.now() - t0;
    const t1 = performance.now();
    await Promise.all(ids.map((id) => adapter.remove(id)));
    return { startMs, removeMs: performance.now() - t1 };
  } finally {
    // Anything left (a failed run) is stopped by PID through remove().
    for (const w of await adapter.list()) await adapter.remove(w.id, { timeoutMs: 200 }).catch(() => undefined);
    await adapter.close();
  }
}

export const processStart: Benchmark = {
  name: 'runtimes.process.start',
  async run(ctx): Promise<BenchResult[]> {
    const n = ctx.quick ? 50 : 500;
    // Warm-up (page cache, PATH lookups) so neither side pays first-run costs.
    await bareLoop(10);
    const baseMs = await bareLoop(n);
    ctx.log(`bare loop: ${n} spawns in ${baseMs.toFixed(0)} ms`);
    const auto = await throughAdapter(n, join(ctx.tmpDir, 'auto'), 'cgroup');
    ctx.log(`adapter (default: cgroup tracking joined after spawn): ${auto.startMs.toFixed(0)} ms, remove ${auto.removeMs.toFixed(0)} ms`);
    const pg = await throughAdapter(n, join(ctx.tmpDir, 'pg'), 'process-group');
    ctx.log(`adapter (process group only): ${pg.startMs.toFixed(0)} ms`);
    const strict = await throughAdapter(n, join(ctx.tmpDir, 'strict'), 'cgroup-strict');
    ctx.log(`adapter (cgroup-strict, wrapper joins before exec): ${strict.startMs.toFixed(0)} ms`);
    const again = await bareLoop(n);
    ctx.log(`bare loop again: ${again.toFixed(0)} ms`);
    // The mean of the two bare runs (before and after) evens out drift on a shared machine.
    const baseline = { name: 'bare spawn loop (per process)', value: Number(((baseMs + again) / 2 / n).toFixed(3)), unit: 'ms' };
    const per = (ms: number): number => Number((ms / n).toFixed(3));
    return [
      withBaseline({ name: 'runtimes.process.start', value: per(auto.startMs), unit: 'ms', extra: { instances: n, treeTracking: 'cgroup (default)', target: 'ratio <= 1.5' } }, baseline),
      withBaseline({ name: 'runtimes.process.start.process-group', value: per(pg.startMs), unit: 'ms', extra: { instances: n, treeTracking: 'process-group' } }, baseline),
      withBaseline({ name: 'runtimes.process.start.cgroup-strict', value: per(strict.startMs), unit: 'ms', extra: { instances: n, treeTracking: 'cgroup-strict (sh wrapper + cgroup mkdir)' } }, baseline),
      { name: 'runtimes.process.remove', value: per(auto.removeMs), unit: 'ms', extra: { instances: n, note: 'all removed concurrently: SIGTERM to each group, wait for the exit' } },
    ];
  },
};
