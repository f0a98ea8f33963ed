/**
 * `khutulun up` over a damaged state folder: a garbled store/cluster.json (before issue 13:
 * silently replaced by an empty cluster document, every deployment forgotten, its process
 * orphaned) now stops `up` with KH-STATE-CORRUPT naming the file, leaves the running workload and
 * its record alone, and once the file is restored `up` resumes the same process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { alive, jsonLine, killPids, processRecords, runCli, startCli, waitFor, watchPids } from './up-helpers.js';

const started: CliRun[] = [];
const workloadPids = new Set<number>();
const dirs: string[] = [];
const unwatch: (() => void)[] = [];

afterAll(() => {
  for (const u of unwatch) u();
  killPids(started.map((r) => r.child.pid));
  killPids(workloadPids);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('khutulun up over a corrupt state folder', () => {
  it('refuses a garbled cluster.json with a coded error naming it, orphans nothing, resumes once restored', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'kh-up-corrupt-'));
    dirs.push(state);
    unwatch.push(watchPids(state, workloadPids));
    const args = ['up', 'examples/hello-web/service.yaml', '--name', 'keep', '--state', state, '-o', 'json'];
    const first = startCli(args);
    started.push(first);
    await waitFor('the outputs line', () => jsonLine(first), 90_000, first);
    const pid = processRecords(state)[0]!.pid!;
    first.child.kill('SIGKILL'); // the agent dies, the workload keeps running
    await first.exited;
    expect(alive(pid)).toBe(true);

    const pointer = path.join(state, 'store', 'cluster.json');
    const good = readFileSync(pointer);
    writeFileSync(pointer, '{"cluster": "automerge:garb');
    const refused = await runCli(args, 60_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('KH-STATE-CORRUPT');
    expect(refused.stderr).toContain(pointer);
    // Nothing forgotten, nothing orphaned: the workload runs and is still recorded.
    expect(alive(pid)).toBe(true);
    expect(processRecords(state).map((r) => r.pid)).toEqual([pid]);

    writeFileSync(pointer, good);
    const second = startCli(args);
    started.push(second);
    await waitFor('the outputs line', () => jsonLine(second), 90_000, second);
    expect(processRecords(state).map((r) => r.pid)).toEqual([pid]);
    second.child.kill('SIGINT');
    const timer = setTimeout(() => second.child.kill('SIGKILL'), 30_000);
    expect((await second.exited).code).toBe(0);
    clearTimeout(timer);
    await waitFor('the workload to be gone', () => (alive(pid) ? undefined : true), 10_000);
  }, 240_000);
});
