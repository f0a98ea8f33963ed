/**
 * Finds a process whose launch was interrupted by an agent crash (spawned, but its state record
 * not yet updated with the pid): the main process leads its own process group and carries
 * KHUTULUN_WORKLOAD and KHUTULUN_WORKDIR in its environment. One bounded pass over /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from './proc-stat.js';

export function findLaunchedProcess(id: string, workDir: string, procRoot = '/proc'): { pid: number; startTime: number } | undefined {
  const want = [`KHUTULUN_WORKLOAD=${id}`, `KHUTULUN_WORKDIR=${workDir}`];
  let names: string[];
  try {
    names = readdirSync(procRoot).filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  for (const name of names) {
    const pid = Number(name);
    const stat = readProcStat(pid, procRoot);
    if (!stat || stat.pgid !== pid || stat.state === 'Z') continue;
    let environ: string[];
    try {
      environ = readFileSync(`${procRoot}/${name}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (want.every((w) => environ.includes(w))) return { pid, startTime: stat.startTime };
  }
  return undefined;
}
