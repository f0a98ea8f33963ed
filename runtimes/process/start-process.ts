/**
 * Everything between a validated spec and a running child: artifacts, cwd, user, command lookup,
 * port checks, cgroups and the launch itself. The adapter turns the result into a state record.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EnsureOptions } from '../runtime-adapter.js';
import type { ProcessSpec, WorkloadId } from '../workload.js';
import { fetchArtifact } from '../artifacts/index.js';
import { joinCgroups, prepareCgroups, prepareTrackingGroup, removeCgroups, requestedControllers } from './cgroups.js';
import type { CgroupLayout, CgroupPlacement } from './cgroups.js';
import { resolveCommand } from './command-path.js';
import { badSpec, cgroupUnavailable } from './errors.js';
import { buildEnv, findSetpriv, launch, logPaths } from './launch.js';
import { checkPortsFree } from './ports.js';
import { killTree } from './terminate.js';
import { checkCanSwitch, lookupUser } from './user.js';
import type { UserIds } from './user.js';

export type TreeTracking = 'cgroup' | 'cgroup-strict' | 'process-group';

export interface StartRequest {
  id: WorkloadId;
  spec: ProcessSpec;
  workDir: string;
  /** File-name-safe cgroup name. */
  group: string;
  layout: CgroupLayout;
  tracking: TreeTracking;
  /** Absent on restarts: the artifacts are already in the workload directory. */
  fetchOptions: Pick<EnsureOptions, 'sourceDir' | 'signal'> | undefined;
}

export interface StartedProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when the child exits (listened to from the start, so a quick exit is not missed). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  placement: CgroupPlacement;
  stdoutLog: string;
  stderrLog: string;
  warnings: string[];
}

export async function startProcess(request: StartRequest): Promise<StartedProcess> {
  const { id, spec, workDir, layout, group } = request;
  mkdirSync(workDir, { recursive: true });
  const fetchOptions = request.fetchOptions;
  for (const artifact of fetchOptions ? (spec.artifacts ?? []) : []) {
    await fetchArtifact(artifact, {
      workDir,
      ...(fetchOptions?.sourceDir !== undefined ? { sourceDir: fetchOptions.sourceDir } : {}),
      ...(fetchOptions?.signal ? { signal: fetchOptions.signal } : {}),
    });
  }
  const cwd = resolve(workDir, spec.cwd ?? '.');
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw badSpec(id, `cwd ${cwd} is not a directory`);
  const user: UserIds | undefined = spec.user !== undefined ? lookupUser(id, spec.user) : undefined;
  if (user) checkCanSwitch(id, user, process.getuid?.() ?? 0);
  const env = buildEnv(id, workDir, spec.env, user);
  const file = resolveCommand(id, spec.command, cwd, env['PATH']);
  await checkPortsFree(id, spec.ports);

  const wanted = requestedControllers(spec.limits);
  // Limits (and strict tracking) need the groups before the program runs; plain tracking creates
  // its group while the process spawns and joins it right after (children forked within that
  // first moment stay reachable through the process group).
  const strict = wanted.length > 0 || (request.tracking === 'cgroup-strict' && layout.v2 !== undefined);
  let placement: CgroupPlacement = strict ? prepareCgroups(id, group, spec.limits, layout) : { dirs: [], enforced: [] };
  const pendingTracking = !strict && request.tracking === 'cgroup' && layout.v2 ? prepareTrackingGroup(group, layout) : undefined;
  const warnings: string[] = [];

  const logs = logPaths(workDir);
  // In strict mode a wrapper joins the groups, then execs the program. Only with a user and no
  // setpriv does the agent move it after spawn (a short race, documented).
  const setpriv = user ? findSetpriv() : undefined;
  const viaWrapper = strict && placement.dirs.length > 0 && (!user || setpriv !== undefined);
  let child: ChildProcess;
  try {
    child = await launch({
      id,
      file,
      args: spec.args ?? [],
      env,
      cwd,
      ...(user ? { user } : {}),
      ...(setpriv ? { setpriv } : {}),
      ...logs,
      joinBeforeExec: viaWrapper ? placement.dirs : [],
    });
  } catch (error) {
    removeCgroups(placement.dirs);
    if (pendingTracking) removeCgroups((await pendingTracking).dirs);
    throw error;
  }
  const pid = child.pid ?? -1;
  // Listen now: the awaits below may let a quick exit happen before anyone else listens.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  if (pendingTracking) placement = await pendingTracking;
  if (placement.killDir === undefined) warnings.push('no cgroup v2 tracking: the tree is stopped through its process group only');
  if (!viaWrapper && placement.dirs.length > 0) {
    try {
      joinCgroups(placement.dirs, pid);
    } catch (error) {
      if (wanted.length > 0) {
        killTree({ pid, cgroups: placement });
        throw cgroupUnavailable(id, wanted, `joining the cgroup failed: ${(error as Error).message}`);
      }
      warnings.push('could not join the tracking cgroup');
    }
  }
  return { child, pid, exited, placement, ...logs, warnings };
}
