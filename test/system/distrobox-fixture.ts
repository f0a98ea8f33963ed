/** Shared by the Distrobox system tests: the CI's user and images, and what its rootless store holds. */
import { execFileSync } from 'node:child_process';
import { lookupBoxUser } from '../../runtimes/distrobox/index.js';

export const dbxUser = process.env['KH_DBX_USER'];
export const dbxImage = process.env['KH_DBX_IMAGE'];
export const dbxDistroImage = process.env['KH_DBX_DISTRO_IMAGE'];

/** Whether the Distrobox user is prepared (in CI it must be). */
export function distroboxEnabled(): boolean {
  if (dbxUser && dbxImage) return true;
  if (process.env['CI']) throw new Error('KH_DBX_USER is not set: scripts/ci/daemons.sh start did not prepare the Distrobox user');
  return false;
}

/** The names of every container in the user's rootless store. */
export function boxesOf(name: string): string[] {
  const u = lookupBoxUser(name);
  const out = execFileSync('setpriv', [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups', '--', 'podman', 'ps', '-a', '--format', '{{.Names}}'], {
    encoding: 'utf8',
    env: { HOME: u.home, XDG_RUNTIME_DIR: `/run/user/${u.uid}`, PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
    cwd: u.home,
    timeout: 30_000,
  });
  return out.split('\n').filter(Boolean);
}
