/**
 * `<state>/agent.json`: where a running agent says how to reach it (URL, token, TLS files), so that
 * `khutulun status NAME` without --agent finds the agent of a state dir (e.g. the one `up` started).
 */
import { readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

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
  const file = agentRecordPath(stateDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The record, or undefined when absent or unreadable. */
export function readAgentRecord(stateDir: string): AgentRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(agentRecordPath(stateDir), 'utf8')) as Partial<AgentRecord>;
    if (typeof r.url !== 'string') return undefined;
    return {
      url: r.url,
      ...(typeof r.token === 'string' ? { token: r.token } : {}),
      ...(isTlsFiles(r.tls) ? { tls: r.tls } : {}),
      pid: Number(r.pid ?? 0),
      name: String(r.name ?? ''),
      hostId: String(r.hostId ?? ''),
      startedAt: Number(r.startedAt ?? 0),
    };
  } catch {
    return undefined;
  }
}

function isTlsFiles(v: unknown): v is NonNullable<AgentRecord['tls']> {
  const t = v as Record<string, unknown> | undefined;
  return typeof t === 'object' && t !== null && typeof t['cert'] === 'string' && typeof t['key'] === 'string' && typeof t['ca'] === 'string';
}

/** Removes the record if it still describes this agent (a newer agent may have replaced it). */
export function removeAgentRecord(stateDir: string, hostId: string, url: string): void {
  const r = readAgentRecord(stateDir);
  if (r && r.hostId === hostId && r.url === url) rmSync(agentRecordPath(stateDir), { force: true });
}
