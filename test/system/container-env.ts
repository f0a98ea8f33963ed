/**
 * What the container system tests need from .ci/run (scripts/ci/daemons.sh start): the podman API
 * socket and a local busybox image. On CI a missing daemon is a failure, not a skip.
 */
export const podmanSocket = process.env['KH_PODMAN_SOCKET'];
export const busyboxImage = process.env['KH_BUSYBOX_IMAGE'] ?? 'localhost/khutulun-busybox:latest';

export function requirePodman(): boolean {
  if (podmanSocket) return true;
  if (process.env['CI']) throw new Error('KH_PODMAN_SOCKET is not set: scripts/ci/daemons.sh start did not run or failed');
  return false;
}
