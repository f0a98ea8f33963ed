/**
 * PristineContainerSpec (kind `pristine-container`): a Distrobox box on rootless Podman, owned by
 * an unprivileged user; pure checks and names. No I/O here.
 */
import { createHash } from 'node:crypto';
import { DistroboxErrorCode, distroboxError } from './errors.js';
import type { PristineContainerSpec } from '../workload.js';

export type { PristineContainerSpec } from '../workload.js';

const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9.+_:-]*$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

export function validatePristineSpec(spec: { kind: string; [key: string]: unknown }): PristineContainerSpec {
  const bad = (message: string, field: string): never => {
    throw distroboxError(DistroboxErrorCode.badSpec, message, 'fix the pristine container spec (runtimes/distrobox/spec.ts) and deploy again', { details: { field } });
  };
  if (spec.kind !== 'pristine-container') bad(`the distrobox runtime runs pristine containers, not ${JSON.stringify(spec.kind)}`, 'kind');
  if (typeof spec.image !== 'string' || !IMAGE.test(spec.image)) bad('image must be an image reference, e.g. localhost/debian:bookworm', 'image');
  if (spec.user === undefined || spec.user === '') {
    throw distroboxError(DistroboxErrorCode.noUser, 'a pristine container needs the unprivileged user that owns it (property user)', 'set user to an existing non-root account with subordinate ids (Distrobox refuses root)');
  }
  if (typeof spec.user !== 'string' || !USER.test(spec.user)) bad('user must be a login name', 'user');
  if (spec.user === 'root') {
    throw distroboxError(DistroboxErrorCode.badUser, 'Distrobox refuses to run as root', 'set user to an unprivileged account (useradd -m NAME gives it subordinate ids)');
  }
  if (spec.packages !== undefined && (!Array.isArray(spec.packages) || !spec.packages.every((p) => typeof p === 'string' && PACKAGE.test(p)))) bad('packages must be a list of package names', 'packages');
  if (spec.initTimeoutMs !== undefined && (typeof spec.initTimeoutMs !== 'number' || spec.initTimeoutMs <= 0)) bad('initTimeoutMs must be a positive number', 'initTimeoutMs');
  return spec as unknown as PristineContainerSpec;
}

/** The box name: `kh-<readable id>-<hash>`, stable per workload (podman names: [a-zA-Z0-9_.-]). */
export function boxName(id: string): string {
  const readable = id.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 40);
  return `kh-${readable}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

export function specHash(spec: PristineContainerSpec): string {
  return createHash('sha256').update(JSON.stringify({ image: spec.image, user: spec.user, packages: spec.packages ?? [] })).digest('hex').slice(0, 16);
}
