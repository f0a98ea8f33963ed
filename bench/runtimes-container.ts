/**
 * runtimes.container.start: N containers started through the adapter (Docker-compatible API on the
 * podman service) against the same N started with `podman run -d`, same image, same command, same
 * engine storage, in the same run. Needs the daemons of scripts/ci/daemons.sh (KH_PODMAN_SOCKET).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPodmanAdapter } from '../runtimes/container/index.js';
import type { Benchmark, BenchContext, BenchResult } from './types.js';
import { percentile, withBaseline } from './types.js';

const run = promisify(execFile);

async function cleanup(label: string): Promise<void> {
  const { stdout } = await run('podman', ['ps', '-aq', '--filter', `label=${label}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await run('podman', ['rm', '-f', '-t', '0', ...ids]);
}

/** Starts n containers with `concurrency` in flight (actors start their vertexes in parallel). */
async function timeEach(
  n: number,
  concurrency: number,
  start: (i: number) => Promise<unknown>,
): Promise<{ total: number; each: number[] }> {
  const each: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      await start(i);
      each.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { total: performance.now() - t0, each: each.sort((a, b) => a - b) };
}

export const containerStart: Benchmark = {
  name: 'runtimes.container.start',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const socketPath = process.env['KH_PODMAN_SOCKET'];
    if (!socketPath) throw new Error('KH_PODMAN_SOCKET is not set: run scripts/ci/daemons.sh start and source $KH_CI_BASE/daemons.env');
    const image = process.env['KH_BUSYBOX_IMAGE'] ?? 'localhost/khutulun-busybox:latest';
    const n = ctx.quick ? 5 : 20;
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    const cliLabel = `io.khutulun.bench=cli-${runId}`;
    const hostId = `bench-${runId}`;
    const adapter = createPodmanAdapter({ socketPath, hostId });
    try {
      await adapter.ready();
      // Warm both paths once (image cache, CNI config), outside the measurement.
      await run('podman', ['run', '-d', '--label', cliLabel, image, 'sleep', '3600']);
      await adapter.ensure(`bench/warm-${runId}`, { kind: 'container', image, command: ['sleep', '3600'] });
      await cleanup(cliLabel);
      await cleanup(`io.khutulun.host=${hostId}`);

      const results: BenchResult[] = [];
      // Same concurrency on both sides: 1 = a shell loop vs one actor; 4 = four actors vs four shells.
      for (const concurrency of [1, 4]) {
        const cli = await timeEach(n, concurrency, (i) =>
          run('podman', ['run', '-d', '--name', `kh-bench-cli-${runId}-${concurrency}-${i}`, '--label', cliLabel, image, 'sleep', '3600']),
        );
        await cleanup(cliLabel);
        const api = await timeEach(n, concurrency, (i) =>
          adapter.ensure(`bench/${runId}-${concurrency}-${i}`, { kind: 'container', image, command: ['sleep', '3600'] }),
        );
        const running = (await adapter.list()).filter((o) => o.state === 'running').length;
        await cleanup(`io.khutulun.host=${hostId}`);
        ctx.log(`concurrency ${concurrency}: cli ${cli.total.toFixed(0)} ms, api ${api.total.toFixed(0)} ms for ${n}; ${running} running via api`);
        if (running !== n) throw new Error(`only ${running} of ${n} containers started through the API are running`);
        const extra = { containers: n, concurrency, target: '<= 0.8x of podman run -d' };
        const suffix = concurrency === 1 ? '' : `.c${concurrency}`;
        results.push(
          withBaseline(
            { name: `runtimes.container.start.total${suffix}`, value: Number(api.total.toFixed(1)), unit: 'ms', extra },
            { name: `podman run -d x${n} (total, concurrency ${concurrency})`, value: Number(cli.total.toFixed(1)), unit: 'ms' },
          ),
          withBaseline(
            { name: `runtimes.container.start.p50${suffix}`, value: Number(percentile(api.each, 50).toFixed(1)), unit: 'ms', extra },
            { name: `podman run -d (p50, concurrency ${concurrency})`, value: Number(percentile(cli.each, 50).toFixed(1)), unit: 'ms' },
          ),
        );
      }
      return results;
    } finally {
      await cleanup(cliLabel).catch(() => undefined);
      await cleanup(`io.khutulun.host=${hostId}`).catch(() => undefined);
      await adapter.close();
    }
  },
};
