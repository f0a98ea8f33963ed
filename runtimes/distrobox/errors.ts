/** Coded errors of the Distrobox runtime (stable API: callers branch on codes). */
import type { KhutulunError } from '../../common/index.js';
import { codedError } from '../coded-error.js';
import type { CodedErrorExtra } from '../coded-error.js';

export const DistroboxErrorCode = {
  /** The spec is malformed for a pristine container. */
  badSpec: 'KH-DBX-BAD-SPEC',
  /** The spec names no user: Distrobox runs rootless as an unprivileged user only. */
  noUser: 'KH-DBX-NO-USER',
  /** The user does not exist, is root, or has no subordinate ids for rootless podman. */
  badUser: 'KH-DBX-USER',
  /** distrobox (or podman, setpriv) is not installed. */
  unavailable: 'KH-DBX-UNAVAILABLE',
  /** The image is not in the user's (rootless) image store and there is no registry to pull from. */
  imageMissing: 'KH-DBX-IMAGE-MISSING',
  /** `distrobox create` failed. */
  create: 'KH-DBX-CREATE',
  /** The first enter (distrobox-init inside: packages, user, mounts) did not complete. */
  init: 'KH-DBX-INIT',
  /** exec into a box that is not there. */
  exec: 'KH-DBX-EXEC',
} as const;

export function distroboxError(code: (typeof DistroboxErrorCode)[keyof typeof DistroboxErrorCode], message: string, hint: string, extra: CodedErrorExtra = {}): KhutulunError {
  return codedError(code, message, hint, extra);
}
