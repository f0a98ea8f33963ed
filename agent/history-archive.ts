/**
 * History outlives undeploy: before a deployment's document is deleted, its nodes' history is
 * written to `STATE/history/NAME/UNDEPLOYED-AT.json` (atomically, owner-only), and `history NAME`
 * reads those archives after (and before) the live document's entries. Archives older than the
 * retention (default 30 days; `khutulun agent --history-retention DAYS`) are removed whenever one
 * is written or read. A corrupt archive is a coded error naming the file, never skipped silently.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corruptState, writeFileAtomic } from '../common/index.js';
import type { HistoryRecord } from './deployment-history.js';

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
