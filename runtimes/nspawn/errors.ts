/** Coded errors of the systemd-nspawn runtime (stable API: callers branch on codes). */
import { KhutulunError } from '../../common/index.js';

export const NspawnErrorCode = {
  /** The spec is malformed for a system container. */
  badSpec: 'KH-NSPAWN-BAD-SPEC',
  /** systemd-nspawn is not installed (or not executable) on this host. */
  unavailable: 'KH-NSPAWN-UNAVAILABLE',
  /** The directory tree or image tarball does not exist. */
  rootMissing: 'KH-NSPAWN-ROOT-MISSING',
  /** The tree exists but is not an OS tree nspawn accepts (no /usr, no os-release, no init for boot). */
  notOsTree: 'KH-NSPAWN-NOT-OS-TREE',
  /** A path leaves the roots the adapter may use. */
  outsideRoot: 'KH-NSPAWN-OUTSIDE-ROOT',
  /** exec into a machine that is not running, or nsenter failed. */
  execFailed: 'KH-NSPAWN-EXEC',
} as const;

export function nspawnError(
  code: (typeof NspawnErrorCode)[keyof typeof NspawnErrorCode],
  message: string,
  hint: string,
  extra: { retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {},
): KhutulunError {
  return new KhutulunError(code, message, { retryable: extra.retryable ?? false, hint, ...(extra.details ? { details: extra.details } : {}), ...(extra.cause !== undefined ? { cause: extra.cause } : {}) });
}

export function badSpec(message: string, field?: string): KhutulunError {
  return nspawnError(NspawnErrorCode.badSpec, message, 'fix the system container spec (runtimes/nspawn/spec.ts SystemContainerSpec) and deploy again', {
    ...(field ? { details: { field } } : {}),
  });
}
