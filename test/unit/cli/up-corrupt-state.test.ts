/**
 * `khutulun up` over a damaged state folder: a truncated host.json (the host's identity: a new one
 * would make this host a stranger to its own deployments) stops `up` with KH-STATE-CORRUPT naming
 * the file before anything starts, leaves the running workload alone, and once the file is
 * restored `up` resumes the same process. (A truncated process workload record is refused by the
 * process runtime with the same code: test/unit/runtimes/process-supervision.test.ts.)
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
  it('refuses a truncated host.json with a coded error naming it, orphans nothing, resumes once restored', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'kh-up-corrupt-'));
    dirs.push(state);
    const stopWatching = watchPids(state, workloadPids);
    unwatch.push(stopWatching);
    const args = ['up', 'examples/hello-web/service.yaml', '--name', 'keep', '--state', state, '-o', 'json'];
    const first = startCli(args);
    started.push(first);
    await waitFor('the outputs line', () => jsonLine(first), 90_000, first);
    const pid = processRecords(state)[0]!.pid!;
    first.child.kill('SIGKILL'); // the agent dies, the workload keeps running
    await first.exited;
    expect(alive(pid)).toBe(true);

    workloadPids.add(pid);
    stopWatching();
    const record = path.join(state, 'host.json');
    const good = readFileSync(record);
    writeFileSync(record, good.subarray(0, Math.floor(good.length / 2))); // truncated
    const refused = await runCli(args, 60_000);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('KH-STATE-CORRUPT');
    expect(refused.stderr).toContain(record);
    // Nothing forgotten, nothing orphaned: the workload runs, its (damaged) record is still there.
    expect(alive(pid)).toBe(true);
    expect(readFileSync(record).length).toBe(Math.floor(good.length / 2));

    writeFileSync(record, good);
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
