/**
 * cgroups for bare processes: limits (memory, cpu, pids) and killing a whole tree.
 * v2 (a `cgroup.controllers` file at the root, or at `unified/` on hybrid hosts) is used for the
 * controllers it offers and for `cgroup.kill`; v1 hierarchies (`<root>/{memory,cpu,pids}`) supply
 * the controllers v2 lacks. Limits that cannot be placed anywhere raise KH-PROC-CGROUP-UNAVAILABLE:
 * running a workload without the limits it asked for would be a silent lie.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceLimits } from '../workload.js';
import { cgroupUnavailable } from './errors.js';

export type LimitController = 'memory' | 'cpu' | 'pids';
const CONTROLLERS: readonly LimitController[] = ['memory', 'cpu', 'pids'];

export interface CgroupLayout {
  /** Writable v2 hierarchy and the controllers it offers (may be none on hybrid hosts). */
  v2?: { mount: string; controllers: ReadonlySet<string>; hasKill: boolean };
  /** Writable v1 directories under which groups are created, per controller. */
  v1: Partial<Record<LimitController, string>>;
}

export interface CgroupPlacement {
  /** Every directory the process joins. */
  dirs: string[];
  /** The v2 directory used for `cgroup.kill`, when there is one. */
  killDir?: string;
  /** Which mechanism enforces each requested limit, e.g. `memory:v1`. */
  enforced: string[];
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Own cgroup path per v1 controller from /proc/self/cgroup text (pure). */
export function parseSelfCgroup(text: string): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[2] ?? '';
    const path = m[3] ?? '/';
    if (controllers === '') v2 = path;
    else for (const c of controllers.split(',')) v1.set(c, path);
  }
  return v2 === undefined ? { v1 } : { v1, v2 };
}

export function detectCgroups(root = '/sys/fs/cgroup', selfCgroup?: string): CgroupLayout {
  let self: ReturnType<typeof parseSelfCgroup> = { v1: new Map() };
  try {
    self = parseSelfCgroup(selfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    // not Linux: no cgroups
  }
  const layout: CgroupLayout = { v1: {} };
  for (const mount of [root, join(root, 'unified')]) {
    const file = join(mount, 'cgroup.controllers');
    if (!existsSync(file) || !writable(mount)) continue;
    const controllers = new Set(readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean));
    layout.v2 = { mount, controllers, hasKill: existsSync(join(mount, 'cgroup.kill')) || existsSync(join(mount, 'cgroup.procs')) };
    break;
  }
  if (!existsSync(join(root, 'cgroup.controllers'))) {
    for (const c of CONTROLLERS) {
      const mount = join(root, c);
      if (!existsSync(join(mount, 'cgroup.procs'))) continue;
      // Nest under our own group so the host's accounting of the agent still covers its workloads.
      const base = join(mount, self.v1.get(c) ?? '/');
      if (writable(base)) layout.v1[c] = base;
    }
  }
  return layout;
}

export function requestedControllers(limits: ResourceLimits | undefined): LimitController[] {
  if (!limits) return [];
  return CONTROLLERS.filter((c) => (c === 'cpu' ? limits.cpus : limits[c]) !== undefined);
}

/** The files to write for each controller's limit (pure). */
export function limitFiles(limits: ResourceLimits, version: 1 | 2, controller: LimitController): Array<[string, string]> {
  const periodUs = 100_000;
  switch (controller) {
    case 'memory':
      return version === 2 ? [['memory.max', String(Math.floor(limits.memory ?? 0))], ['memory.swap.max', '0']] : [['memory.limit_in_bytes', String(Math.floor(limits.memory ?? 0))]];
    case 'cpu': {
      const quota = Math.max(1000, Math.round((limits.cpus ?? 1) * periodUs));
      return version === 2 ? [['cpu.max', `${quota} ${periodUs}`]] : [['cpu.cfs_period_us', String(periodUs)], ['cpu.cfs_quota_us', String(quota)]];
    }
    case 'pids':
      return [['pids.max', String(Math.floor(limits.pids ?? 0))]];
  }
}

function writeOptional(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    // optional knobs (e.g. memory.swap.max without swap accounting)
  }
}

/**
 * Creates the groups for one workload and writes its limits. `group` is a file-name-safe name.
 * Throws KH-PROC-CGROUP-UNAVAILABLE when a requested limit has nowhere to go.
 */
export function prepareCgroups(workload: string, group: string, limits: ResourceLimits | undefined, layout: CgroupLayout): CgroupPlacement {
  const wanted = requestedControllers(limits);
  const placement: CgroupPlacement = { dirs: [], enforced: [] };
  const missing = wanted.filter((c) => !layout.v2?.controllers.has(c) && layout.v1[c] === undefined);
  if (missing.length > 0) throw cgroupUnavailable(workload, missing, layout.v2 ? 'cgroup v2 lacks these controllers and no writable v1 hierarchy has them' : 'no writable cgroup hierarchy');
  try {
    if (layout.v2) {
      const base = join(layout.v2.mount, 'khutulun');
      mkdirSync(base, { recursive: true });
      const v2Wanted = wanted.filter((c) => layout.v2?.controllers.has(c));
      if (v2Wanted.length > 0) {
        const enable = v2Wanted.map((c) => `+${c}`).join(' ');
        writeFileSync(join(layout.v2.mount, 'cgroup.subtree_control'), enable);
        writeFileSync(join(base, 'cgroup.subtree_control'), enable);
      }
      const dir = join(base, group);
      mkdirSync(dir, { recursive: true });
      for (const c of v2Wanted) {
        const files = limitFiles(limits ?? {}, 2, c);
        files.forEach(([f, v], i) => (i === 0 ? writeFileSync(join(dir, f), v) : writeOptional(join(dir, f), v)));
        placement.enforced.push(`${c}:v2`);
      }
      placement.dirs.push(dir);
      if (existsSync(join(dir, 'cgroup.kill'))) placement.killDir = dir;
    }
    for (const c of wanted) {
      if (layout.v2?.controllers.has(c)) continue;
      const base = layout.v1[c];
      if (base === undefined) continue;
      const dir = join(base, 'khutulun', group);
      mkdirSync(dir, { recursive: true });
      for (const [f, v] of limitFiles(limits ?? {}, 1, c)) writeFileSync(join(dir, f), v);
      placement.dirs.push(dir);
      placement.enforced.push(`${c}:v1`);
    }
  } catch (error) {
    removeCgroups(placement.dirs);
    if (wanted.length === 0) return { dirs: [], enforced: [] };
    throw cgroupUnavailable(workload, wanted, `writing the limits failed: ${(error as Error).message}`);
  }
  return placement;
}

/** A v2 group with no limits, only for `cgroup.kill`; made off the main thread. Never throws. */
export async function prepareTrackingGroup(group: string, layout: CgroupLayout): Promise<CgroupPlacement> {
  if (!layout.v2) return { dirs: [], enforced: [] };
  const dir = join(layout.v2.mount, 'khutulun', group);
  try {
    await mkdir(dir, { recursive: true });
    return { dirs: [dir], enforced: [], ...(existsSync(join(dir, 'cgroup.kill')) ? { killDir: dir } : {}) };
  } catch {
    return { dirs: [], enforced: [] };
  }
}

/** Moves a process into the groups (the agent does it right after spawn when no wrapper is used). */
export function joinCgroups(dirs: readonly string[], pid: number): void {
  for (const dir of dirs) writeFileSync(join(dir, 'cgroup.procs'), String(pid));
}

export function pidsInCgroups(dirs: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line.trim()) pids.add(Number(line));
    } catch {
      // group already gone
    }
  }
  return [...pids];
}

/** SIGKILLs everything in the groups: `cgroup.kill` on v2, else each listed pid. */
export function killCgroups(placement: Pick<CgroupPlacement, 'dirs' | 'killDir'>): void {
  if (placement.killDir !== undefined) {
    try {
      writeFileSync(join(placement.killDir, 'cgroup.kill'), '1');
      return;
    } catch {
      // fall through to per-pid kill
    }
  }
  for (const pid of pidsInCgroups(placement.dirs)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function removeCgroups(dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      // busy or gone: a later cleanup retries
    }
  }
}
