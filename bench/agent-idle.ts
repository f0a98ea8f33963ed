/**
 * agent.idle-rss: the RSS of an idle `khutulun agent` (the built CLI in a child process of its
 * own, a fresh state folder, token file, loopback) once it listens and settled, against a bare
 * `node` process idling in the same run (the runtime's floor). Target <= 80 MB.
 * Self-check: the agent answered its start (logged `agent listening`) and stops on SIGINT with 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/dist\/$/, '/');

function status(pid: number): { rssMb: number; threads: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMb: Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN) / 1024, threads: Number(/Threads:\s+(\d+)/.exec(text)?.[1] ?? NaN) };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const agentIdle: Benchmark = {
  name: 'agent.idle-rss',
  async run(ctx) {
    if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('agent.idle-rss runs the built CLI: run `npm run build` first');
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await settle(3000);
    const floor = status(bare.pid!);
    bare.kill('SIGKILL');
    await exited(bare);

    const dir = join(ctx.tmpDir, 'agent');
    mkdirSync(dir, { recursive: true });
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const agent = spawn(process.execPath, [join(root, 'bin', 'khutulun.js'), 'agent', '--name', 'idle', '--listen', '127.0.0.1:0', '--state', join(dir, 'state'), '--token-file', tokenFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    agent.stderr!.on('data', (d: Buffer) => void (log += d.toString()));
    try {
      const until = Date.now() + 120_000;
      while (!log.includes('agent listening')) {
        if (agent.exitCode !== null || Date.now() > until) throw new Error(`the agent did not start: ${log.slice(-1500)}`);
        await settle(50);
      }
      // Idle: nothing deployed; give start-up work (probes, GC) time to finish.
      await settle(5000);
      const idle = status(agent.pid!);
      ctx.log(`idle agent ${idle.rssMb.toFixed(1)} MB RSS, ${idle.threads} threads; bare node ${floor.rssMb.toFixed(1)} MB, ${floor.threads} threads`);
      agent.kill('SIGINT');
      const code = await exited(agent);
      if (code !== 0) throw new Error(`the agent exited ${code} on SIGINT: ${log.slice(-1500)}`);
      return [
        withBaseline({ name: 'agent.idle-rss', value: Number(idle.rssMb.toFixed(1)), unit: 'MB', extra: { threads: idle.threads, target_mb: 80 } }, { name: 'bare node idling', value: Number(floor.rssMb.toFixed(1)), unit: 'MB' }),
      ];
    } finally {
      if (agent.exitCode === null) agent.kill('SIGKILL');
    }
  },
};
