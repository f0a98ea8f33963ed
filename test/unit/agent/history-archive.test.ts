/**
 * The history archive: written atomically per undeploy, read back in order, pruned past the
 * retention, and a corrupt archive is a coded error naming the file (never skipped silently).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveHistory, hasArchives, pruneArchives, readArchives } from '../../../agent/history-archive.js';
import type { HistoryRecord } from '../../../agent/deployment-history.js';

const DAY = 24 * 3600_000;
const rec = (at: number, node: string): HistoryRecord => ({ at, deployment: 'web', node, host: 'a', hostId: 'a', generation: 1, changes: [{ field: 'status', old: 'started', new: 'deleted' }] });
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kh-archive-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('history archive', () => {
  it('keeps each undeploy, oldest first, owner-only; prunes past the retention', () => {
    const state = tmp();
    const now = 1_800_000_000_000;
    archiveHistory(state, 'web', [rec(now - 40 * DAY, 'nodes/old')], now - 40 * DAY, 365 * DAY);
    archiveHistory(state, 'web', [rec(now - 2 * DAY, 'nodes/db')], now - 2 * DAY, 365 * DAY);
    const path = archiveHistory(state, 'web', [rec(now, 'nodes/app')], now, 365 * DAY);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readArchives(state, 'web', now, 365 * DAY).map((r) => r.node)).toEqual(['nodes/old', 'nodes/db', 'nodes/app']);
    // 30 days: the 40-day-old archive goes, the others stay.
    expect(readArchives(state, 'web', now, 30 * DAY).map((r) => r.node)).toEqual(['nodes/db', 'nodes/app']);
    expect(readdirSync(join(state, 'history', 'web'))).toHaveLength(2);
    expect(pruneArchives(state, now + 10 * DAY, 0)).toBe(2);
    expect(hasArchives(state, 'web')).toBe(false);
    expect(readArchives(state, 'web', now, DAY)).toEqual([]);
  });

  it('a corrupt archive is KH-STATE-CORRUPT naming the file', () => {
    const state = tmp();
    const now = 1_800_000_000_000;
    const path = archiveHistory(state, 'web', [rec(now, 'nodes/app')], now, DAY);
    writeFileSync(path, '{"records": [tru');
    expect(() => readArchives(state, 'web', now, DAY)).toThrow(expect.objectContaining({ code: 'KH-STATE-CORRUPT', message: expect.stringContaining(path) }));
    writeFileSync(path, '{"deployment": "web"}');
    expect(() => readArchives(state, 'web', now, DAY)).toThrow(expect.objectContaining({ code: 'KH-STATE-CORRUPT' }));
  });
});
