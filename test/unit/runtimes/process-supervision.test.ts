/** The process runtime against real processes: restarts, re-attach of the supervisor, logs, env, trees, ports. */
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KhutulunError, ManualClock } from '../../../common/index.js';
import type { RuntimeEvent } from '../../../runtimes/index.js';
import { waitFor } from '../../contracts/index.js';
import { scratch } from './process-helpers.js';
import type { Scratch } from './process-helpers.js';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(async () => {
  await s.dispose();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function codeOf(p: Promise<unknown>): Promise<KhutulunError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    return e as KhutulunError;
  }
  throw new Error('expected a coded error');
}

describe('restart policy on real processes (ManualClock drives the backoff)', () => {
  it('on-failure restarts after the backoff delay, not before', async () => {
    const clock = new ManualClock(1_000_000);
    const a = s.adapter({ clock, backoff: { initialMs: 500, maxMs: 10_000, resetAfterMs: 60_000 } });
    const events: RuntimeEvent[] = [];
    a.subscribe((e) => events.push(e));
    await a.ensure('r/fail', { kind: 'process', command: 'sh', args: ['-c', 'exit 7'], restart: 'on-failure' });
    const backoff = await waitFor(async () => ((await a.observe('r/fail'))?.state === 'starting' ? a.observe('r/fail') : undefined), 'backoff');
    expect(backoff?.exitCode).toBe(7);
    expect(backoff?.info?.['restartAt']).toBe(1_000_000 + 500);
    clock.advance(499);
    expect((await a.observe('r/fail'))?.restarts).toBe(0);
    clock.advance(1);
    await waitFor(async () => ((await a.observe('r/fail'))?.restarts === 1 ? true : undefined), 'first restart');
    // second failure doubles the delay
    const second = await waitFor(async () => {
      const o = await a.observe('r/fail');
      return o?.state === 'starting' && o.restarts === 1 ? o : undefined;
    }, 'second backoff');
    expect(second.info?.['restartAt']).toBe(clock.now() + 1000);
    expect(events.some((e) => e.observed.state === 'running')).toBe(true);
  });

  it('on-failure does not restart a clean exit; never does not restart a failure', async () => {
    const clock = new ManualClock(0);
    const a = s.adapter({ clock });
    await a.ensure('r/clean', { kind: 'process', command: 'sh', args: ['-c', 'exit 0'], restart: 'on-failure' });
    await a.ensure('r/never', { kind: 'process', command: 'sh', args: ['-c', 'exit 1'], restart: 'never' });
    const clean = await waitFor(async () => ((await a.observe('r/clean'))?.state === 'exited' ? a.observe('r/clean') : undefined), 'clean exit');
    const never = await waitFor(async () => ((await a.observe('r/never'))?.state === 'failed' ? a.observe('r/never') : undefined), 'failure');
    clock.advance(60_000);
    expect(clean?.restarts).toBe(0);
    expect((await a.observe('r/never'))?.state).toBe('failed');
    expect(never?.cause?.code).toBe('KH-PROC-EXITED');
  });

  it('a pending restart survives an agent restart and happens in the new adapter', async () => {
    const clock = new ManualClock(5_000);
    const a = s.adapter({ clock, backoff: { initialMs: 1_000, maxMs: 10_000, resetAfterMs: 60_000 } });
    await a.ensure('r/always', { kind: 'process', command: 'sh', args: ['-c', 'sleep 0.05; exit 1'], restart: 'always' });
    await waitFor(async () => ((await a.observe('r/always'))?.state === 'starting' ? true : undefined), 'backoff');
    await a.close();
    const b = s.adapter({ clock });
    const o = await b.observe('r/always');
    expect(o?.state).toBe('starting');
    clock.advance(1_000);
    await waitFor(async () => ((await b.observe('r/always'))?.restarts === 1 ? true : undefined), 'restart by the new adapter');
    await b.remove('r/always');
  });

  it('a re-attached process that dies is restarted by the new adapter (exit code unknown)', async () => {
    const a = s.adapter({ backoff: { initialMs: 10, maxMs: 100, resetAfterMs: 60_000 } });
    const first = await a.ensure('r/reattach', { kind: 'process', command: 'sleep', args: ['300'], restart: 'on-failure' });
    await a.close();
    const b = s.adapter({ backoff: { initialMs: 10, maxMs: 100, resetAfterMs: 60_000 } });
    expect((await b.observe('r/reattach'))?.info?.['reattached']).toBe(true);
    process.kill(first.pid ?? -1, 'SIGKILL');
    const again = await waitFor(async () => {
      const o = await b.observe('r/reattach');
      return o?.state === 'running' && o.pid !== first.pid ? o : undefined;
    }, 'restart after re-attach');
    expect(again.restarts).toBe(1);
    await b.remove('r/reattach');
    expect(alive(again.pid ?? -1)).toBe(false);
  });
});

describe('process details', () => {
  it('passes args, env and cwd, and writes stdout/stderr to log files', async () => {
    const a = s.adapter();
    const o = await a.ensure('d/env', { kind: 'process', command: 'sh', args: ['-c', 'echo "$GREETING $1 $(pwd)"; echo oops >&2', 'x', 'arg1'], env: { GREETING: 'hi' }, cwd: '.' });
    await waitFor(async () => ((await a.observe('d/env'))?.state === 'exited' ? true : undefined), 'exit');
    const out = readFileSync(String(o.info?.['stdoutLog']), 'utf8');
    expect(out.trim()).toBe(`hi arg1 ${String(o.info?.['workDir'])}`);
    expect(readFileSync(String(o.info?.['stderrLog']), 'utf8').trim()).toBe('oops');
  });

  it('rotates logs by size and keeps N files while the process keeps writing', async () => {
    const a = s.adapter({ logRotation: { maxBytes: 2_000, keep: 2 }, pollIntervalMs: 20 });
    const o = await a.ensure('d/logs', { kind: 'process', command: 'sh', args: ['-c', 'i=0; while [ $i -lt 4000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); sleep 0.001; done; sleep 5'] });
    const log = String(o.info?.['stdoutLog']);
    await waitFor(() => (existsSync(`${log}.2`) ? true : undefined), 'two rotations', 20_000);
    expect(existsSync(`${log}.3`)).toBe(false);
    expect(readFileSync(`${log}.1`, 'utf8')).toMatch(/^line-\d+/m);
    await a.remove('d/logs');
  });

  it('runs as another user when the agent is root', async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip();
    const a = s.adapter();
    const o = await a.ensure('d/user', { kind: 'process', command: 'sh', args: ['-c', 'id -u; id -g'], user: 'nobody' });
    await waitFor(async () => ((await a.observe('d/user'))?.state === 'exited' ? true : undefined), 'exit');
    expect(readFileSync(String(o.info?.['stdoutLog']), 'utf8').trim().split('\n')).toEqual(['65534', '65534']);
    expect((await codeOf(a.ensure('d/ghost', { kind: 'process', command: 'true', user: 'kh-ghost-user' }))).code).toBe('KH-PROC-USER-UNKNOWN');
  });

  for (const [tracking, delay] of [['cgroup-strict', ''], ['cgroup', 'sleep 1; ']] as const) {
    it(`remove stops the whole tree, including a child that left the process group (${tracking})`, async () => {
      const a = s.adapter({ treeTracking: tracking });
      const pidFile = join(s.stateDir, `escapee-${tracking}.pid`);
      // strict: the escapee is forked at once; default: after a moment (the documented window).
      await a.ensure('d/tree', { kind: 'process', command: 'sh', args: ['-c', `sleep 300 & ${delay}setsid sleep 301 & echo $! > ${pidFile}; wait`] });
      const escapee = await waitFor(() => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() ? Number(readFileSync(pidFile, 'utf8')) : undefined), 'grandchild');
      const layout = a.cgroupLayout();
      const observed = await a.observe('d/tree');
      await a.remove('d/tree');
      if (layout.v2) {
        expect(observed?.info?.['treeKill']).toBe('cgroup.kill');
        await waitFor(() => (!alive(escapee) ? true : undefined), 'setsid child killed through the cgroup', 3_000);
      } else if (alive(escapee)) {
        // Without a writable cgroup the escapee is out of reach: clean it up ourselves.
        process.kill(escapee, 'SIGKILL');
      }
    });
  }

  it('coded errors: not executable, taken port (with the pid), bad cwd', async () => {
    const a = s.adapter();
    const script = join(s.stateDir, 'noexec.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    if (process.getuid?.() !== 0) expect((await codeOf(a.ensure('e/noexec', { kind: 'process', command: script }))).code).toBe('KH-PROC-PERMISSION');
    else expect((await codeOf(a.ensure('e/noexec', { kind: 'process', command: script }))).code).toMatch(/KH-PROC-(PERMISSION|NOT-FOUND)/);

    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const err = await codeOf(a.ensure('e/port', { kind: 'process', command: 'sleep', args: ['5'], ports: [{ name: 'http', protocol: 'tcp', hostPort: port }] }));
      expect(err.code).toBe('KH-PROC-PORT-TAKEN');
      expect(err.details?.['pid']).toBe(process.pid);
      expect(err.hint).toContain(String(process.pid));
    } finally {
      await new Promise((r) => server.close(r));
    }
    const ok = await a.ensure('e/port', { kind: 'process', command: 'sleep', args: ['5'], ports: [{ name: 'http', protocol: 'tcp', hostPort: port }] });
    expect(ok.ports?.[0]).toMatchObject({ name: 'http', hostPort: port, containerPort: port });
    await a.remove('e/port');
    expect((await codeOf(a.ensure('e/cwd', { kind: 'process', command: 'true', cwd: 'no/such/dir' }))).code).toBe('KH-PROC-BAD-SPEC');
  });

  it('a second adapter over the same state directory is refused until the first closes', async () => {
    const a = s.adapter();
    expect(await a.list()).toEqual([]);
    const b = s.adapter();
    expect((await codeOf(b.list())).code).toBe('KH-PROC-STATE-BUSY');
    await a.close();
    const c = s.adapter();
    expect(await c.list()).toEqual([]);
    await c.close();
  });

  it('an unreadable state file is a coded error naming it (never skipped: its process may run), never a crash; long ids work', async () => {
    const a = s.adapter();
    expect(await a.list()).toEqual([]);
    await a.close();
    for (const [name, text] of [['garbage.json', '{not json'], ['wrong.json', JSON.stringify({ version: 99 })]] as const) {
      const file = join(s.stateDir, 'workloads', name);
      writeFileSync(file, text);
      const refused = s.adapter();
      const e = await codeOf(refused.list());
      expect(e).toMatchObject({ code: 'KH-STATE-CORRUPT', message: expect.stringContaining(file) });
      // The lock is released with the refusal; moving the file away lets the next adapter in.
      await refused.close();
      rmSync(file);
    }
    const b = s.adapter();
    expect(await b.list()).toEqual([]);
    const longId = `deploy/${'ü'.repeat(190)}`;
    const o = await b.ensure(longId, { kind: 'process', command: 'sleep', args: ['5'] });
    expect(o.state).toBe('running');
    await b.close();
    const c = s.adapter();
    expect((await c.list()).map((w) => w.id)).toEqual([longId]);
    await c.remove(longId);
  });

  it('ensure again after an exit starts a new run; state files do not pile up', async () => {
    const a = s.adapter();
    await a.ensure('d/again', { kind: 'process', command: 'sh', args: ['-c', 'exit 0'] });
    await waitFor(async () => ((await a.observe('d/again'))?.state === 'exited' ? true : undefined), 'exit');
    const second = await a.ensure('d/again', { kind: 'process', command: 'sh', args: ['-c', 'exit 0'] });
    expect(['running', 'exited']).toContain(second.state);
    expect((await a.list()).length).toBe(1);
  });
});

describe('a state folder removed under a running host', () => {
  it('records the exit anyway (the folder comes back), instead of crashing the host', async () => {
    const a = s.adapter();
    const running = await a.ensure('gone/web', { kind: 'process', command: 'sleep', args: ['30'] });
    const pid = running.pid ?? -1;
    expect(alive(pid)).toBe(true);
    // An operator "cleans up" the folder while the host runs.
    rmSync(join(s.stateDir, 'workloads'), { recursive: true, force: true });
    process.kill(pid, 'SIGKILL');
    const exited = await waitFor(async () => {
      const o = await a.observe('gone/web');
      return o && o.state !== 'running' ? o : undefined;
    }, 'exit recorded');
    expect(exited.signal).toBe('SIGKILL');
    const record = JSON.parse(readFileSync(join(s.stateDir, 'workloads', 'gone%2Fweb.json'), 'utf8')) as { status: string };
    expect(record.status).not.toBe('running');
  });
});
