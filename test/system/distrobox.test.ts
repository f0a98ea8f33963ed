/**
 * The Distrobox runtime against the real distrobox + rootless podman of the unprivileged user
 * scripts/ci/daemons.sh prepares (KH_DBX_USER, KH_DBX_IMAGE). Coded faults first (no user, root,
 * unknown user, image not local), each followed by a listing of the user's containers; then a
 * create from the local busybox image, whose first enter cannot complete (busybox has no package
 * manager for distrobox-init): KH-DBX-INIT with distrobox-init's own words, and the box removed.
 * With KH_DBX_DISTRO_IMAGE (a Debian tarball imported for the user; needs the apt mirror, ~90 s)
 * the whole path runs: create with progress, exec, re-attach, remove.
 */
import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import { collectExec } from '../../runtimes/index.js';
import { DistroboxRuntimeAdapter, boxName } from '../../runtimes/distrobox/index.js';
import type { PristineContainerSpec } from '../../runtimes/distrobox/index.js';
import { boxesOf, dbxDistroImage, dbxImage, dbxUser, distroboxEnabled } from './distrobox-fixture.js';

const user = dbxUser;
const image = dbxImage;
const distro = dbxDistroImage;
const enabled = distroboxEnabled();

async function code(p: Promise<unknown>): Promise<KhutulunError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(KhutulunError);
  expect((e as KhutulunError).hint ?? '').not.toBe('');
  return e as KhutulunError;
}

const box = (extra: Partial<PristineContainerSpec>): PristineContainerSpec => ({ kind: 'pristine-container', image: image!, user: user!, ...extra });

describe.skipIf(!enabled)('Distrobox (real distrobox 1.4 + rootless podman as an unprivileged user)', () => {
  it('is ready; a missing user, root, an unknown user and a non-local image are coded errors that leave nothing', async () => {
    const a = new DistroboxRuntimeAdapter({ users: [user!] });
    await a.ready();
    const before = boxesOf(user!);
    const { user: _omit, ...noUser } = box({});
    expect((await code(a.ensure('dbx/no-user', noUser))).code).toBe('KH-DBX-NO-USER');
    expect((await code(a.ensure('dbx/root', box({ user: 'root' })))).code).toBe('KH-DBX-USER');
    expect((await code(a.ensure('dbx/ghost', box({ user: 'kh-no-such-user' })))).code).toBe('KH-DBX-USER');
    expect((await code(a.ensure('dbx/bad', { kind: 'pristine-container', user: user! }))).code).toBe('KH-DBX-BAD-SPEC');
    expect((await code(a.ensure('dbx/no-image', box({ image: 'localhost/kh-no-such-image:1' })))).code).toBe('KH-DBX-IMAGE-MISSING');
    expect(boxesOf(user!)).toEqual(before);
    expect(await a.observe('dbx/no-image')).toBeUndefined();
  }, 120_000);

  it('creates the box; a first enter that cannot complete is KH-DBX-INIT with the reason, and the box is removed', async () => {
    const lines: string[] = [];
    const a = new DistroboxRuntimeAdapter({ users: [user!], onProgress: (_w, line) => lines.push(line) });
    const id = `dbx/busybox-${process.pid}`;
    const e = await code(a.ensure(id, box({ initTimeoutMs: 120_000 })));
    expect(e.code).toBe('KH-DBX-INIT');
    expect(e.message).toMatch(/package manager|dependencies/);
    expect(lines[0]).toMatch(/first enter/); // progress was reported before the slow part
    expect(boxesOf(user!)).not.toContain(boxName(id));
    expect(await a.observe(id)).toBeUndefined();
  }, 300_000);

  it.skipIf(!distro)('a distro image: create runs the first enter (progress), exec is fast, a new adapter re-attaches, remove cleans up', async () => {
    const lines: string[] = [];
    const a = new DistroboxRuntimeAdapter({ users: [user!], onProgress: (_w, line) => lines.push(line) });
    const id = `dbx/distro-${process.pid}`;
    try {
      const o = await a.ensure(id, box({ image: distro! }));
      expect(o.state).toBe('running');
      expect(lines.length).toBeGreaterThan(1);
      const t = Date.now();
      const r = await collectExec(await a.exec(id, ['sh', '-c', 'id -un; cat /etc/os-release | head -1']));
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(user!);
      expect(Date.now() - t).toBeLessThan(30_000);
      const b = new DistroboxRuntimeAdapter({ users: [user!] });
      expect((await b.list()).map((w) => w.id)).toContain(id);
      expect((await b.ensure(id, box({ image: distro! }))).handle).toBe(o.handle);
      await b.remove(id);
      await b.remove(id);
    } finally {
      await a.remove(id).catch(() => undefined);
    }
    expect(boxesOf(user!)).not.toContain(boxName(id));
  }, 900_000);
});
