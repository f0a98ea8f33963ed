/**
 * `<state>/agent.json`: where a running agent says how to reach it (URL, per-start token, TLS
 * files), so that `khutulun status NAME` without --agent finds the agent of a state dir (e.g. the
 * one `up` started). It holds a secret: written atomically with mode 0600 in a 0700 folder, and
 * refused on read (KH-FILE-PERMS) when group or others could read it or it belongs to another user.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkOwnerOnly, corruptState, writeFileAtomic } from '../common/index.js';

export interface AgentRecord {
  url: string;
  token?: string;
  /** PEM paths of a mutual-TLS agent: the CLI presents this host's certificate to reach it. */
  tls?: { cert: string; key: string; ca: string };
  pid: number;
  name: string;
  hostId: string;
  startedAt: number;
}

export function agentRecordPath(stateDir: string): string {
  return join(stateDir, 'agent.json');
}

export function writeAgentRecord(stateDir: string, record: AgentRecord): void {
  writeFileAtomic(agentRecordPath(stateDir), JSON.stringify(record, null, 2) + '\n', 0o600);
}

/**
 * The record, or undefined when absent. Throws KH-FILE-PERMS when it is not private to this user
 * and KH-STATE-CORRUPT when it cannot be parsed.
 */
export function readAgentRecord(stateDir: string): AgentRecord | undefined {
  const file = agentRecordPath(stateDir);
  let text: string;
  try {
    checkOwnerOnly(file, 'agent record');
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const hint = `if no agent runs for ${stateDir}, delete ${file}; a running agent rewrites it when restarted`;
  let r: Partial<AgentRecord>;
  try {
    r = JSON.parse(text) as Partial<AgentRecord>;
  } catch (error) {
    throw corruptState(file, 'not JSON', hint, error);
  }
  if (typeof r !== 'object' || r === null || typeof r.url !== 'string') throw corruptState(file, 'no "url"', hint);
  return {
    url: r.url,
    ...(typeof r.token === 'string' ? { token: r.token } : {}),
    ...(isTlsFiles(r.tls) ? { tls: r.tls } : {}),
    pid: Number(r.pid ?? 0),
    name: String(r.name ?? ''),
    hostId: String(r.hostId ?? ''),
    startedAt: Number(r.startedAt ?? 0),
  };
}

function isTlsFiles(v: unknown): v is NonNullable<AgentRecord['tls']> {
  const t = v as Record<string, unknown> | undefined;
  return typeof t === 'object' && t !== null && typeof t['cert'] === 'string' && typeof t['key'] === 'string' && typeof t['ca'] === 'string';
}

/** Removes the record if it still describes this agent (a newer agent may have replaced it). */
export function removeAgentRecord(stateDir: string, hostId: string, url: string): void {
  let r: AgentRecord | undefined;
  try {
    r = readAgentRecord(stateDir);
  } catch {
    return; // not ours to judge (or garbled): leave it for the operator, the next start rewrites it
  }
  if (r && r.hostId === hostId && r.url === url) rmSync(agentRecordPath(stateDir), { force: true });
}
