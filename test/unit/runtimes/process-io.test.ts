/**
 * logs and exec of the process runtime against real processes: the log files read whole and by
 * tail, followed across a rotation, `since` refused (no per-line times), and exec in the
 * workload's cwd and environment with its exit code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectExec, collectLogs } from '../../../runtimes/index.js';
import type { LogChunk } from '../../../runtimes/index.js';
import { tailStart } from '../../../runtimes/process/process-io.js';
import { scratch } from './process-helpers.js';
import type { Scratch } from './process-helpers.js';

let s: Scratch | undefined;
afterEach(async () => {
  await s?.dispose();
  s = undefined;
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('process runtime logs and exec', () => {
  it('finds where the last N lines start (pure)', () => {
    expect('a\nb\nc\n'.slice(tailStart('a\nb\nc\n', 2))).toBe('b\nc\n');
    expect('a\nb\nc'.slice(tailStart('a\nb\nc', 1))).toBe('c');
    expect('a\nb\n'.slice(tailStart('a\nb\n', 5))).toBe('a\nb\n');
    expect('a\n'.slice(tailStart('a\n', 0))).toBe('');
  });

  it('reads the whole log, the tail, and refuses since with a coded error', async () => {
    s = scratch();
    const a = s.adapter();
    await a.ensure('io/web', { kind: 'process', command: 'sh', args: ['-c', 'for i in 1 2 3 4; do echo out$i; done; echo err1 >&2; exec sleep 60'] });
    let all = await collectLogs(a.logs('io/web'));
    const deadline = Date.now() + 10_000;
    while (!(all.stdout.includes('out4') && all.stderr.includes('err1')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      all = await collectLogs(a.logs('io/web'));
    }
    expect(all).toEqual({ stdout: 'out1\nout2\nout3\nout4\n', stderr: 'err1\n' });
    expect(await collectLogs(a.logs('io/web', { tail: 2 }))).toEqual({ stdout: 'out3\nout4\n', stderr: 'err1\n' });
    await expect(collectLogs(a.logs('io/web', { since: Date.now() - 1000 }))).rejects.toMatchObject({ code: 'KH-RT-IO-OPTION' });
    await expect(collectLogs(a.logs('io/none'))).rejects.toMatchObject({ code: 'KH-RT-NO-WORKLOAD' });
  });

  it('follows new output, across a rotation (truncation), until aborted', async () => {
    s = scratch();
    const a = s.adapter();
    await a.ensure('io/tick', { kind: 'process', command: 'sh', args: ['-c', 'echo first; while true; do sleep 0.1; if [ -f go ]; then echo later; rm go; fi; done'] });
    const cwd = join(s.stateDir, 'work', encodeURIComponent('io/tick'));
    const stop = new AbortController();
    const seen: LogChunk[] = [];
    const following = (async () => {
      for await (const c of a.logs('io/tick', { follow: true, signal: stop.signal })) seen.push(c);
    })();
    const text = (): string => seen.map((c) => c.text).join('');
    await until(() => text().includes('first'), 'the first line');
    execFileSync('touch', [join(cwd, 'go')]);
    await until(() => text().includes('later'), 'a line written while following');
    // A rotation truncates the file: reading starts over instead of waiting past the old size.
    const logFile = join(cwd, 'logs', 'stdout.log');
    truncateSync(logFile, 0);
    execFileSync('touch', [join(cwd, 'go')]);
    await until(() => text().split('later').length === 3, 'a line after the rotation');
    stop.abort();
    await following;
  });

  it('runs a command in the workload environment: cwd, env, exit code, both streams', async () => {
    s = scratch();
    const a = s.adapter();
    mkdirSync(join(s.stateDir, 'work'), { recursive: true });
    const o = await a.ensure('io/env', { kind: 'process', command: 'sleep', args: ['60'], env: { GREETING: 'hi there' } });
    // Inside the workload's cgroups, as the workload (when this host gives it groups of its own).
    const theirs = readFileSync(`/proc/${o.pid}/cgroup`, 'utf8');
    const inside = await collectExec(await a.exec('io/env', ['cat', '/proc/self/cgroup']));
    expect(inside.stdout).toBe(theirs);
    if (theirs !== readFileSync('/proc/self/cgroup', 'utf8')) expect(theirs).toContain('kh');
    const r = await collectExec(await a.exec('io/env', ['sh', '-c', 'echo "$GREETING"; echo "$KHUTULUN_WORKLOAD"; pwd; echo oops >&2; exit 3']));
    expect(r.exitCode).toBe(3);
    const [greeting, workload, cwd] = r.stdout.trim().split('\n');
    expect(greeting).toBe('hi there');
    expect(workload).toBe('io/env');
    expect(cwd).toContain(join(s.stateDir, 'work'));
    expect(r.stderr).toBe('oops\n');
    await expect(a.exec('io/env', ['/no/such/program'])).rejects.toMatchObject({ code: 'KH-PROC-NOT-FOUND' });
    await expect(a.exec('io/env', ['no-such-program-kh'])).rejects.toMatchObject({ code: 'KH-PROC-NOT-FOUND' });
    await expect(a.exec('io/env', ['true'], { tty: true })).rejects.toMatchObject({ code: 'KH-RT-IO-OPTION' });
    await expect(a.exec('io/none', ['true'])).rejects.toMatchObject({ code: 'KH-RT-NO-WORKLOAD' });
  });
});
