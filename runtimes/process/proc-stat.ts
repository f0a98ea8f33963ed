/**
 * Reading /proc/<pid>/stat: the process start time (field 22, clock ticks since boot) guards
 * against pid reuse when re-attaching after an agent restart.
 */
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), X (dead), T… */
  state: string;
  ppid: number;
  pgid: number;
  startTime: number;
}

/** Parses the text of /proc/<pid>/stat. The comm field may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (state === undefined || !Number.isFinite(pid) || !Number.isFinite(startTime)) return undefined;
  return { pid, state, ppid, pgid, startTime };
}

export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when `pid` still is the process we started (same start time) and has not exited. */
export function isSameLiveProcess(pid: number, startTime: number, procRoot = '/proc'): boolean {
  const stat = readProcStat(pid, procRoot);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}
