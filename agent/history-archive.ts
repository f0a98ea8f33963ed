/**
 * History outlives undeploy: before a deployment's document is deleted, its nodes' history is
 * written to `STATE/history/NAME/UNDEPLOYED-AT.json` (atomically, owner-only), and `history NAME`
 * reads those archives after (and before) the live document's entries. Archives older than the
 * retention (default 30 days; `khutulun agent --history-retention DAYS`) are removed whenever one
 * is written or read. A corrupt archive is a coded error naming the file, never skipped silently.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corruptState, KhutulunError, writeFileAtomic } from '../common/index.js';
import type { Deployment } from '../store/index.js';
import { readHistory } from './deployment-history.js';
import type { HistoryQuery, HistoryRecord } from './deployment-history.js';
import { notFound } from './errors.js';

export const DEFAULT_HISTORY_RETENTION_MS = 30 * 24 * 3600_000;

function dirOf(stateDir: string, name: string): string {
  return join(stateDir, 'history', name);
}

/** `1733470000000.json` -> its time; other names are not archives. */
function timeOf(file: string): number | undefined {
  const m = /^(\d{1,16})\.json$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/** Removes the archives of every deployment older than `retentionMs` before `now`. */
export function pruneArchives(stateDir: string, now: number, retentionMs: number): number {
  const root = join(stateDir, 'history');
  if (!existsSync(root)) return 0;
  let removed = 0;
  for (const name of readdirSync(root)) {
    for (const file of readdirSync(join(root, name))) {
      const at = timeOf(file);
      if (at !== undefined && at < now - retentionMs) {
        rmSync(join(root, name, file), { force: true });
        removed++;
      }
    }
  }
  return removed;
}

export function archiveHistory(stateDir: string, name: string, records: readonly HistoryRecord[], now: number, retentionMs: number): string {
  const dir = dirOf(stateDir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${now}.json`);
  writeFileAtomic(path, JSON.stringify({ deployment: name, archivedAt: now, records }));
  pruneArchives(stateDir, now, retentionMs);
  return path;
}

/** Every archived record of NAME within the retention, oldest first. */
export function readArchives(stateDir: string, name: string, now: number, retentionMs: number): HistoryRecord[] {
  pruneArchives(stateDir, now, retentionMs);
  const dir = dirOf(stateDir, name);
  if (!existsSync(dir)) return [];
  const out: HistoryRecord[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (timeOf(file) === undefined) continue;
    const path = join(dir, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw corruptState(path, 'not JSON', `move it away to read the rest of ${name}'s history`, error);
    }
    const records = (parsed as { records?: unknown }).records;
    if (!Array.isArray(records)) throw corruptState(path, 'no "records" list', `move it away to read the rest of ${name}'s history`);
    out.push(...(records as HistoryRecord[]));
  }
  return out;
}

/** True when NAME has archived history (so `history NAME` answers after undeploy). */
export function hasArchives(stateDir: string, name: string): boolean {
  const dir = dirOf(stateDir, name);
  return existsSync(dir) && readdirSync(dir).some((f) => timeOf(f) !== undefined);
}

/**
 * `history NAME [NODE]`: the archived records (earlier incarnations of NAME), then the live
 * document's. An unknown NAME, or a NODE that has no history, is a coded error, not an empty list.
 */
export function historyOf(name: string, live: Deployment | undefined, query: HistoryQuery, o: { stateDir: string | undefined; now: number; retentionMs: number }): HistoryRecord[] {
  const archived = o.stateDir !== undefined ? readArchives(o.stateDir, name, o.now, o.retentionMs) : [];
  if (!live && (o.stateDir === undefined || !hasArchives(o.stateDir, name))) throw notFound(name);
  const node = (r: HistoryRecord): boolean => query.node === undefined || r.node === query.node || r.node.split('/').pop() === query.node;
  const everything = [...archived.filter(node), ...(live ? readHistory(live, { ...(query.node !== undefined ? { node: query.node } : {}) }) : [])];
  if (query.node !== undefined && everything.length === 0) {
    const nodes = live ? [...new Set(live.query({ kind: 'vertex', directory: ['nodes'] }).map((v) => String(v.metadata['tosca:template'] ?? v.id.name)))] : [];
    throw new KhutulunError('KH-AGENT-070', `no node "${query.node}" in the history of ${name}`, { hint: `its nodes: ${nodes.join(', ') || '(none)'}`, details: { httpStatus: 404 } });
  }
  return everything.filter((r) => query.since === undefined || r.at >= query.since);
}
