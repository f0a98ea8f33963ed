/** systemd detection against a real private dbus-daemon started (and stopped by PID) here. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dbus from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSystemd, SYSTEMD_NAME, systemdUnavailable } from '../../../runtimes/index.js';
import { waitFor } from '../../contracts/index.js';

const hasDaemon = existsSync('/usr/bin/dbus-daemon');
let dir: string;
let daemon: ChildProcess | undefined;
let address: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kh-dbus-'));
  if (!hasDaemon) return;
  const socket = join(dir, 'bus');
  address = `unix:path=${socket}`;
  writeFileSync(
    join(dir, 'bus.conf'),
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>${address}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy></busconfig>`,
  );
  daemon = spawn('/usr/bin/dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--nopidfile'], { stdio: 'ignore' }); // its own pid, stopped in afterAll
  await waitFor(() => (existsSync(socket) ? true : undefined), 'private dbus socket', 5_000);
});

afterAll(() => {
  if (daemon?.pid !== undefined) {
    try {
      process.kill(daemon.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('detectSystemd', () => {
  it('no bus socket: unavailable, with a reason and a coded error for callers', async () => {
    const a = await detectSystemd({ address: `unix:path=${join(dir ?? '/nonexistent', 'no-such-socket')}` });
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/no D-Bus system bus/);
    const e = systemdUnavailable(a);
    expect(e.code).toBe('KH-PROC-NO-SYSTEMD');
    expect(e.hint).toBeTruthy();
  });

  it('a bus without systemd1: unavailable; once the name is owned: available', async (ctx) => {
    if (!hasDaemon) return ctx.skip();
    const without = await detectSystemd({ address });
    expect(without).toMatchObject({ available: false });
    expect(without.reason).toMatch(/not on it/);
    const owner = dbus.sessionBus({ busAddress: address });
    try {
      await owner.requestName(SYSTEMD_NAME, 0);
      expect((await detectSystemd({ address })).available).toBe(true);
    } finally {
      owner.disconnect();
    }
  });
});
