/**
 * actors.memory: resident memory of a host process with 10,000 idle actors (10 deployments
 * deployed, every actor started and waiting for events). Measured in a child process (see
 * actors-memory-probe.ts) so other benchmarks' modules do not count.
 * Baseline, same run: the same process with the deployments loaded in the store but no actors.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface ProbeResult {
  actors: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  gc: boolean;
}

export const actorsMemory: Benchmark = {
  name: 'actors.memory',
  async run(ctx): Promise<BenchResult[]> {
    const deployments = 10;
    const perDeployment = ctx.quick ? 200 : 1000;
    const self = import.meta.url;
    const probe = fileURLToPath(new URL(self.endsWith('.ts') ? './actors-memory-probe.ts' : './actors-memory-probe.js', self));
    const args = ['--expose-gc', ...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), probe, String(deployments), String(perDeployment)];
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 300_000, maxBuffer: 1 << 20 });
    const line = stdout.trim().split('\n').at(-1) ?? '';
    const r = JSON.parse(line) as ProbeResult;
    ctx.log(`${r.actors} idle actors: rss ${mb(r.after.rss)} MB (before ${mb(r.before.rss)} MB), heap ${mb(r.after.heapUsed)} MB, gc forced: ${r.gc}`);
    return [
      withBaseline(
        {
          name: 'actors.memory.rss_10k_idle',
          value: mb(r.after.rss),
          unit: 'MB',
          extra: { actors: r.actors, heapUsedMb: mb(r.after.heapUsed), deltaRssMb: mb(r.after.rss - r.before.rss), perActorHeapBytes: Math.round((r.after.heapUsed - r.before.heapUsed) / r.actors), runner: self.endsWith('.ts') ? 'tsx' : 'node', target: '<= 250 MB' },
        },
        { name: 'actors.memory.rss_store_only', value: mb(r.before.rss), unit: 'MB' },
      ),
    ];
  },
};
