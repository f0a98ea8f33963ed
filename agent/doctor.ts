/**
 * `khutulun doctor`: reads a state folder without changing it and says what is wrong and how to
 * fix it — permissions, the agent record and host identity, the lock, every stored document chunk
 * (the checks verified-storage.ts runs at start), what sits in quarantine, the process runtime's
 * workload records — and, when the folder's agent answers, which running workloads no deployment
 * accounts for.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { asKhutulunError } from '../common/index.js';
import { StateStore } from '../runtimes/process/state-file.js';
import type { ProcessStateRecord } from '../runtimes/process/state-file.js';
import { readAgentRecord } from './agent-record.js';
import type { AgentRecord } from './agent-record.js';
import { chunkDamage } from './verified-storage.js';

export type Severity = 'ok' | 'warn' | 'error';

export interface Finding {
  readonly severity: Severity;
  readonly check: string;
  readonly message: string;
  /** What to do about it (absent when all is well). */
  readonly fix?: string;
  readonly file?: string;
}

export interface DoctorReport {
  readonly stateDir: string;
  readonly findings: readonly Finding[];
  /** Workload records whose process is alive: `<deployment>/<vertex>` -> pid. */
  readonly running: Readonly<Record<string, number>>;
  readonly agent?: Pick<AgentRecord, 'url' | 'pid' | 'name' | 'hostId'> & { alive: boolean };
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function checkPermissions(stateDir: string, out: Finding[]): void {
  const mode = statSync(stateDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    out.push({ severity: 'warn', check: 'permissions', file: stateDir, message: `the state folder is mode ${mode.toString(8)}: others can read the agent's token and documents`, fix: `chmod 700 ${stateDir}` });
  } else out.push({ severity: 'ok', check: 'permissions', message: 'the state folder is private (0700)' });
}

function checkAgentRecord(stateDir: string, out: Finding[]): DoctorReport['agent'] {
  try {
    const r = readAgentRecord(stateDir);
    if (!r) {
      out.push({ severity: 'ok', check: 'agent', message: 'no agent record: no agent runs on this folder' });
      return undefined;
    }
    const live = alive(r.pid);
    out.push(
      live
        ? { severity: 'ok', check: 'agent', message: `agent ${r.name} (${r.hostId}) runs as pid ${r.pid} at ${r.url}` }
        : { severity: 'warn', check: 'agent', file: join(stateDir, 'agent.json'), message: `agent.json names pid ${r.pid}, which is not running (the agent was killed)`, fix: 'start it again (khutulun up / agent with this --state); the record is replaced' },
    );
    return { url: r.url, pid: r.pid, name: r.name, hostId: r.hostId, alive: live };
  } catch (error) {
    const e = asKhutulunError(error);
    out.push({ severity: 'error', check: 'agent', file: join(stateDir, 'agent.json'), message: `${e.code}: ${e.message}`, fix: e.hint ?? 'remove agent.json when no agent runs; it is written again at start' });
    return undefined;
  }
}

function checkJson(stateDir: string, name: string, what: string, out: Finding[]): void {
  const file = join(stateDir, name);
  if (!existsSync(file)) return;
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    out.push({ severity: 'ok', check: name, message: `${what} is readable` });
  } catch {
    out.push({ severity: 'error', check: name, file, message: `${what} (${name}) cannot be parsed`, fix: `restore it from a backup; the agent refuses to start with it (KH-STATE-CORRUPT)` });
  }
}

function checkLock(stateDir: string, agent: DoctorReport['agent'], out: Finding[]): void {
  const file = join(stateDir, 'lock');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split(/\s+/)[0]);
  if (alive(pid)) out.push({ severity: 'ok', check: 'lock', message: `held by pid ${pid}${agent?.pid === pid ? ' (the agent)' : ''}` });
  else out.push({ severity: 'ok', check: 'lock', file, message: `left by pid ${pid}, which is gone: the next start takes it over` });
}

function checkChunks(stateDir: string, out: Finding[]): void {
  let checked = 0;
  let bad = 0;
  for (const file of filesUnder(join(stateDir, 'repo'))) {
    const parts = relative(join(stateDir, 'repo'), file).split('/');
    const kind = parts[parts.length - 2];
    if (kind !== 'incremental' && kind !== 'snapshot') continue;
    checked++;
    const bytes = readFileSync(file);
    const reason = kind === 'incremental' ? (createHash('sha256').update(bytes).digest('hex') === parts[parts.length - 1] ? undefined : 'its SHA-256 is not its name') : chunkDamage(bytes);
    if (reason === undefined) continue;
    bad++;
    out.push({ severity: 'error', check: 'documents', file, message: `a damaged ${kind} chunk: ${reason}`, fix: 'the agent moves it to quarantine/ at its next start and loads the document from its other chunks and its peers (KH-STATE-QUARANTINED)' });
  }
  if (bad === 0) out.push({ severity: 'ok', check: 'documents', message: `${checked} document chunk(s) intact` });
  const quarantined = filesUnder(join(stateDir, 'quarantine'));
  if (quarantined.length > 0) {
    out.push({ severity: 'warn', check: 'quarantine', file: join(stateDir, 'quarantine'), message: `${quarantined.length} damaged chunk(s) were set aside: the changes only they held are lost on this host unless a peer had them`, fix: 'keep them for a bug report; remove the folder once you no longer need them' });
  }
}

function checkWorkloads(stateDir: string, out: Finding[]): { running: Record<string, number>; records: ProcessStateRecord[] } {
  const running: Record<string, number> = {};
  const dir = join(stateDir, 'process');
  if (!existsSync(join(dir, 'workloads'))) return { running, records: [] };
  const { records, corrupt } = new StateStore(dir).readAll();
  for (const file of corrupt) {
    out.push({ severity: 'error', check: 'workloads', file, message: 'a process workload record cannot be read: its process (if any) is not supervised', fix: 'find the process (ps, its cgroup), stop it, and remove the file; the agent refuses to start with it (KH-STATE-CORRUPT)' });
  }
  for (const r of records) if (alive(r.pid) && (r.status === 'running' || r.status === 'launching' || r.status === 'backoff')) running[r.id] = r.pid!;
  out.push({ severity: 'ok', check: 'workloads', message: `${records.length} process workload record(s), ${Object.keys(running).length} running` });
  return { running, records };
}

/** Checks a state folder; reads only. `deployed` (from the agent, when it answers) are the deployments it knows. */
export function diagnoseStateDir(stateDir: string, deployed?: ReadonlySet<string>): DoctorReport {
  const out: Finding[] = [];
  if (!existsSync(stateDir)) {
    return { stateDir, findings: [{ severity: 'error', check: 'folder', file: stateDir, message: 'the state folder does not exist', fix: 'pass the folder `up` or `agent` used (--state DIR, $KHUTULUN_HOME, ~/.khutulun)' }], running: {} };
  }
  checkPermissions(stateDir, out);
  const agent = checkAgentRecord(stateDir, out);
  checkJson(stateDir, 'host.json', 'the host identity', out);
  checkJson(stateDir, 'ports.json', 'the port bindings', out);
  checkLock(stateDir, agent, out);
  checkChunks(stateDir, out);
  const { running } = checkWorkloads(stateDir, out);
  if (deployed) {
    for (const [id, pid] of Object.entries(running)) {
      const deployment = id.split('/')[0] ?? '';
      if (deployed.has(deployment)) continue;
      out.push({ severity: 'warn', check: 'workloads', message: `process ${pid} (${id}) runs, and no deployment of the agent accounts for it`, fix: `stop it (kill ${pid}) if it is not yours, then remove its record from ${join(stateDir, 'process', 'workloads')}` });
    }
  } else if (Object.keys(running).length > 0) {
    out.push({ severity: 'ok', check: 'workloads', message: 'the agent does not answer: running workloads were not compared with the deployments (start it and run doctor again)' });
  }
  return { stateDir, findings: out, running, ...(agent ? { agent } : {}) };
}
