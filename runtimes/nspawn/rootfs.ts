/**
 * Where a machine's root comes from: a directory tree used in place, or an image tarball
 * unpacked into a root of the workload's own (under the adapter's state dir, removed with it).
 * Every path is confined: relative ones to the deployment's source folder, absolute ones to the
 * adapter's allowed roots (default /var/lib/machines).
 */
import { existsSync, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { x as tarExtract } from 'tar';
import type { KhutulunError } from '../../common/index.js';
import { NspawnErrorCode, nspawnError } from './errors.js';
import type { SystemContainerSpec } from './spec.js';

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Resolves a spec path (real path, symlinks followed) and checks it stays inside a root. */
export function confinedPath(path: string, sourceDir: string | undefined, roots: readonly string[], field: string): string {
  const base = isAbsolute(path) ? undefined : sourceDir;
  if (!isAbsolute(path) && base === undefined) {
    throw nspawnError(NspawnErrorCode.outsideRoot, `${field} ${path} is relative and the deployment has no source folder`, 'give an absolute path under the adapter roots, or deploy from a template folder');
  }
  const joined = resolve(base ?? '/', path);
  const outside = (p: string, allowed: readonly string[]): KhutulunError =>
    nspawnError(NspawnErrorCode.outsideRoot, `${field} ${p} is outside the folders this host lets machines use (${allowed.join(', ') || 'none'})`, 'move the tree under the deployment folder or an allowed root (NspawnAdapterOptions.roots)', { details: { path: p } });
  // Lexically first (never even say whether something outside exists), then with symlinks resolved.
  const lexical = [...(base !== undefined ? [resolve(base)] : []), ...roots.map((r) => resolve(r))];
  if (!lexical.some((r) => inside(joined, r))) throw outside(joined, lexical);
  if (!existsSync(joined)) {
    throw nspawnError(NspawnErrorCode.rootMissing, `${field} ${joined} does not exist`, 'create the tree (debootstrap, podman export | tar -x, …) or fix the path', { details: { path: joined } });
  }
  const real = realpathSync(joined);
  const allowed = [...(base !== undefined ? [realpathSync(base)] : []), ...roots.filter((r) => existsSync(r)).map((r) => realpathSync(r))];
  if (!allowed.some((r) => inside(real, r))) throw outside(real, allowed);
  return real;
}

/** nspawn's own acceptance test, checked first so the failure is coded and says what is missing. */
export function checkOsTree(root: string, boot: boolean): void {
  const missing: string[] = [];
  if (!existsSync(join(root, 'usr'))) missing.push('/usr');
  if (!existsSync(join(root, 'etc/os-release')) && !existsSync(join(root, 'usr/lib/os-release'))) missing.push('/etc/os-release or /usr/lib/os-release');
  if (boot && !['usr/lib/systemd/systemd', 'lib/systemd/systemd', 'sbin/init'].some((p) => existsSync(join(root, p)) || isLink(join(root, p)))) {
    missing.push('an init (/usr/lib/systemd/systemd or /sbin/init) for boot mode');
  }
  if (missing.length > 0) {
    throw nspawnError(NspawnErrorCode.notOsTree, `${root} is not an OS tree systemd-nspawn accepts: missing ${missing.join(', ')}`, 'add them to the tree (an os-release file is enough for /usr/lib/os-release), or use a distribution tree', { details: { root, missing } });
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The root directory for this spec: the tree itself, or `<machinesDir>/<machine>/rootfs` unpacked
 * from the tarball once (unpacked into a temporary folder, then renamed: never half a root).
 */
export async function prepareRoot(
  spec: SystemContainerSpec,
  options: { machine: string; machinesDir: string; sourceDir?: string; roots: readonly string[] },
): Promise<string> {
  if (spec.directory !== undefined) {
    const root = confinedPath(spec.directory, options.sourceDir, options.roots, 'directory');
    if (!statSync(root).isDirectory()) throw nspawnError(NspawnErrorCode.rootMissing, `directory ${root} is not a directory`, 'point directory at the root of an OS tree');
    checkOsTree(root, spec.boot === true);
    return root;
  }
  const tarball = confinedPath(spec.imageTar!, options.sourceDir, options.roots, 'imageTar');
  const target = join(options.machinesDir, options.machine, 'rootfs');
  if (!existsSync(target)) {
    const partial = `${target}.part-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    try {
      // tar strips absolute paths and refuses `..` entries by default: nothing lands outside.
      await tarExtract({ file: tarball, cwd: partial, preserveOwner: true });
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      throw nspawnError(NspawnErrorCode.rootMissing, `cannot unpack ${tarball}: ${(error as Error).message}`, 'give a tar (or tar.gz) of a root file system', { cause: error });
    }
    mkdirSync(dirname(target), { recursive: true });
    renameSync(partial, target);
  }
  try {
    checkOsTree(target, spec.boot === true);
  } catch (error) {
    rmSync(join(options.machinesDir, options.machine), { recursive: true, force: true });
    throw error;
  }
  return target;
}

/** Removes what prepareRoot unpacked for this machine (a directory tree is never touched). */
export function removeRoot(machinesDir: string, machine: string): void {
  const dir = join(machinesDir, machine);
  if (inside(dir, machinesDir) && dir !== machinesDir + sep) rmSync(dir, { recursive: true, force: true });
}
