/**
 * Graceful stop of a whole process tree: SIGTERM to the process group (and every pid in the
 * workload's cgroups, which also holds children that left the group with setsid), wait up to the
 * timeout, then SIGKILL (cgroup.kill where the host has it). Waiting is real time: it waits on the
 * kernel, not on policy, so it does not use the injected Clock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { killCgroups, pidsInCgroups } from './cgroups.js';
import type { CgroupPlacement } from './cgroups.js';

export interface TreeHandle {
  pid: number;
  /** True while the main process has not exited. */
  mainAlive(): boolean;
  cgroups: Pick<CgroupPlacement, 'dirs' | 'killDir'>;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  // Never signal -1 (every process) or init's group: only real groups we created.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0 as unknown as NodeJS.Signals);
}

function treeAlive(tree: TreeHandle): boolean {
  return tree.mainAlive() || groupAlive(tree.pid) || pidsInCgroups(tree.cgroups.dirs).length > 0;
}

async function waitGone(tree: TreeHandle, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let delay = 5;
  while (treeAlive(tree)) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
  return true;
}

/** Returns how it ended: `graceful` (SIGTERM was enough), `forced`, or `stuck` (still alive after SIGKILL). */
export async function terminateTree(tree: TreeHandle, timeoutMs: number): Promise<'graceful' | 'forced' | 'stuck'> {
  signalGroup(tree.pid, 'SIGTERM');
  for (const pid of pidsInCgroups(tree.cgroups.dirs)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  if (await waitGone(tree, timeoutMs)) return 'graceful';
  killTree(tree);
  return (await waitGone(tree, 5_000)) ? 'forced' : 'stuck';
}

/** Immediate SIGKILL of everything left of the tree. */
export function killTree(tree: Pick<TreeHandle, 'pid' | 'cgroups'>): void {
  signalGroup(tree.pid, 'SIGKILL');
  killCgroups(tree.cgroups);
}
