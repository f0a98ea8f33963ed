/**
 * examples/pristine-container run as a user runs it (the real CLI, the agent's production
 * runtimes): with the CI's busybox image the box is created but its first enter cannot complete
 * (no package manager inside), so the node fails with KH-DBX-INIT and no box is left in the
 * user's store; with a distro image (KH_DBX_DISTRO_IMAGE) the box is ready when `up` reports it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boxesOf, dbxDistroImage, dbxImage, dbxUser, distroboxEnabled } from './distrobox-fixture.js';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { jsonLine, killPids, root, startCli, waitFor } from '../unit/cli/up-helpers.js';

const user = dbxUser;
const image = dbxImage;
const distro = dbxDistroImage;
const enabled = distroboxEnabled();
const runs: CliRun[] = [];
const dirs: string[] = [];
afterAll(() => {
  killPids(runs.map((r) => r.child.pid));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const boxes = (): string[] => boxesOf(user!);

async function finish(run: CliRun, signal?: NodeJS.Signals): Promise<number | null> {
  if (signal) run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 120_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

const up = (name: string, img: string): CliRun => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-dbx-example-'));
  dirs.push(dir);
  const run = startCli(['up', path.join(root, 'examples/pristine-container/service.yaml'), '--name', name, '--input', `user=${user}`, '--input', `image=${img}`, '--state', path.join(dir, 'state'), '-o', 'json'], {
    KH_DISTROBOX_USERS: user!,
  });
  runs.push(run);
  return run;
};

describe.skipIf(!enabled)('examples/pristine-container (khutulun up, Distrobox)', () => {
  it('an image without a package manager: the node fails with KH-DBX-INIT, and no box is left', async () => {
    const before = boxes();
    const run = up(`dbx-bb-${process.pid}`, image!);
    expect(await finish(run)).toBe(1);
    expect(run.stderr).toMatch(/nodes\/box: KH-DBX-INIT: .*could not/);
    expect(boxes()).toEqual(before);
  }, 240_000);

  it.skipIf(!distro)('a distro image: the box is created and entered once before up reports it; SIGINT removes it', async () => {
    const before = boxes();
    const run = up(`dbx-distro-${process.pid}`, distro!);
    await waitFor('the outputs line', () => {
      if (run.child.exitCode !== null) throw new Error(`up exited ${run.child.exitCode}: ${run.stderr}`);
      return jsonLine(run);
    }, 600_000, run);
    expect(boxes().length).toBe(before.length + 1);
    expect(await finish(run, 'SIGINT')).toBe(0);
    expect(boxes()).toEqual(before);
  }, 900_000);
});
