/**
 * A real agent crash: another node process starts a workload and is SIGKILLed. The workload is
 * then no longer anyone's child here (it was reparented), so a new adapter must find it through
 * its state file and /proc, notice its death by polling, and apply the restart policy.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../contracts/index.js';
import { encodeWorkloadFileName as encodeId } from '../../../runtimes/index.js';
import { scratch } from './process-helpers.js';
import type { Scratch } from './process-helpers.js';

const CHILD = fileURLToPath(new URL('./process-agent-child.ts', import.meta.url));
let s: Scratch;
beforeEach(() => {
  s = scratch('kh-proc-crash-');
});
afterEach(async () => {
  await s.dispose();
});

/** Runs the stand-in agent until it reports the workload pid, then kills it (by its PID). */
async function crashAgentAfterStart(id: string, restart: string): Promise<number> {
  const agent = spawn(process.execPath, ['--import', 'tsx', CHILD, s.stateDir, id, restart], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    let err = '';
    agent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    agent.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const line = await waitFor(
      () => (out.includes('\n') ? out.split('\n')[0] : undefined),
      `agent start (stderr: ${err})`,
      30_000,
    );
    return (JSON.parse(line ?? '{}') as { pid: number }).pid;
  } finally {
    agent.kill('SIGKILL');
    await new Promise((r) =>
      agent.exitCode !== null || agent.signalCode !== null ? r(undefined) : agent.once('exit', r),
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('agent crash and re-attach (separate agent process)', () => {
  it('a new adapter finds the orphaned workload, notices its death, and restarts it per policy', async () => {
    const pid = await crashAgentAfterStart('crash/web', 'always');
    expect(alive(pid)).toBe(true);
    const a = s.adapter({ backoff: { initialMs: 10, maxMs: 100, resetAfterMs: 60_000 } });
    const found = await a.list();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: 'crash/web', state: 'running', pid });
    // Kill it behind the adapter's back: only /proc polling can tell (it is not our child).
    process.kill(pid, 'SIGKILL');
    const again = await waitFor(
      async () => {
        const o = await a.observe('crash/web');
        return o?.state === 'running' && o.pid !== pid ? o : undefined;
      },
      'restart of the orphan',
      10_000,
    );
    expect(again.restarts).toBe(1);
    await a.remove('crash/web');
    expect(alive(again.pid ?? -1)).toBe(false);
  });

  it('remove stops an orphaned workload (graceful, by its pid and group)', async () => {
    const pid = await crashAgentAfterStart('crash/stop', 'never');
    const a = s.adapter();
    expect((await a.observe('crash/stop'))?.state).toBe('running');
    await a.remove('crash/stop');
    await waitFor(() => (!alive(pid) ? true : undefined), 'orphan gone', 5_000);
    expect(await a.list()).toEqual([]);
  });
});

describe('a crash between spawn and the state update', () => {
  /** The record the adapter writes just before spawning. */
  function launchingRecord(id: string, workDir: string, restart: 'never' | 'always'): void {
    const dir = join(s.stateDir, 'workloads');
    mkdirSync(dir, { recursive: true });
    const record = {
      version: 1,
      id,
      spec: { kind: 'process', command: 'sleep', args: ['300'], restart },
      specHash: 'x',
      status: 'launching',
      restarts: 0,
      streak: 0,
      workDir,
      stdoutLog: join(workDir, 'logs/stdout.log'),
      stderrLog: join(workDir, 'logs/stderr.log'),
      cgroups: [],
      warnings: [],
    };
    writeFileSync(join(dir, `${encodeId(id)}.json`), JSON.stringify(record));
  }

  it('the next adapter adopts the process that did start (found by its environment)', async () => {
    const workDir = join(s.stateDir, 'work', 'adopt');
    mkdirSync(workDir, { recursive: true });
    launchingRecord('crash/adopt', workDir, 'never');
    // What the dead agent had already spawned: detached, with the workload's environment.
    const orphan = spawn('sleep', ['300'], {
      detached: true,
      stdio: 'ignore',
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        KHUTULUN_WORKLOAD: 'crash/adopt',
        KHUTULUN_WORKDIR: workDir,
      },
    });
    orphan.unref();
    await new Promise((r) => orphan.once('spawn', r));
    const a = s.adapter();
    const [found] = await a.list();
    expect(found).toMatchObject({ id: 'crash/adopt', state: 'running', pid: orphan.pid });
    await a.remove('crash/adopt');
    await waitFor(
      () => (orphan.exitCode !== null || orphan.signalCode !== null ? true : undefined),
      'adopted orphan stopped',
      5_000,
    );
  });

  it('a launch that never produced a process counts as an unseen exit (policy applies)', async () => {
    launchingRecord('crash/none', join(s.stateDir, 'work', 'none'), 'never');
    const a = s.adapter();
    const o = await a.observe('crash/none');
    expect(o?.state).toBe('failed');
    expect(o?.cause?.code).toBe('KH-PROC-EXITED');
  });
});
