/**
 * examples/system-container run as a user runs it (the real CLI as a child process): a busybox
 * tree under systemd-nspawn serves HTTP on the host port Khutulun reserved ($PORT); the tarball
 * resolves against the template folder. SIGINT stops the machine and removes its unpacked root.
 * A tarball outside the template folder fails the node with a coded error and leaves nothing.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NspawnRuntimeAdapter } from '../../runtimes/nspawn/index.js';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { jsonLine, killPids, root, startCli, waitFor } from '../unit/cli/up-helpers.js';

const tarball = process.env['KH_NSPAWN_TAR'];
const enabled = ((): boolean => {
  if (tarball) return true;
  if (process.env['CI']) throw new Error('KH_NSPAWN_TAR is not set: scripts/ci/daemons.sh start did not pack the nspawn tree');
  return false;
})();
const runs: CliRun[] = [];
const dirs: string[] = [];

afterAll(async () => {
  killPids(runs.map((r) => r.child.pid));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function finish(run: CliRun, signal?: NodeJS.Signals): Promise<number | null> {
  if (signal) run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

/** The example copied into a folder of its own, with the tarball beside it. */
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-nspawn-example-'));
  dirs.push(dir);
  copyFileSync(path.join(root, 'examples/system-container/service.yaml'), path.join(dir, 'service.yaml'));
  copyFileSync(tarball!, path.join(dir, 'rootfs.tar'));
  return dir;
}

async function machinesLeft(state: string): Promise<string[]> {
  const a = new NspawnRuntimeAdapter({ stateDir: path.join(state, 'nspawn') });
  try {
    return (await a.list()).map((w) => w.id);
  } finally {
    await a.close();
  }
}

describe.skipIf(!enabled)('examples/system-container (khutulun up, systemd-nspawn)', () => {
  it('serves HTTP from the machine on the reserved port; SIGINT stops it and removes its root', async () => {
    const dir = folder();
    const state = path.join(dir, 'state');
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', 'sys-nspawn', '--input', 'image_tar=rootfs.tar', '--state', state, '-o', 'json']);
    runs.push(run);
    const line = (await waitFor('the outputs line', () => jsonLine(run), 120_000, run)) as { outputs: { url: string } };
    const url = line.outputs.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text()).toBe('khutulun\n');
    const machines = path.join(state, 'nspawn', 'machines');
    expect(readdirSync(machines).length).toBe(1);
    expect(await finish(run, 'SIGINT')).toBe(0);
    await expect(fetch(url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    expect(await machinesLeft(state)).toEqual([]);
    expect(existsSync(machines) ? readdirSync(machines) : []).toEqual([]);
  }, 240_000);

  it('a tarball outside the template folder: KH-NSPAWN-OUTSIDE-ROOT on the node, nothing left', async () => {
    const dir = folder();
    const state = path.join(dir, 'state');
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', 'sys-nspawn-out', '--input', 'image_tar=../../etc/passwd', '--state', state, '-o', 'json']);
    runs.push(run);
    expect(await finish(run)).toBe(1);
    expect(run.stderr).toMatch(/nodes\/machine: KH-NSPAWN-OUTSIDE-ROOT/);
    expect(await machinesLeft(state)).toEqual([]);
  }, 180_000);
});
