/**
 * `khutulun up` as a user runs it: the real CLI in a child process deploys examples/hello-web as a
 * real process on a reserved port, `status` from another process reaches it through the loopback
 * agent API recorded in the state dir, SIGINT stops everything and exits 0; running `up` again
 * on the same state resumes the running workload instead of starting a second one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { alive, jsonLine, killPids, portOpen, processRecords, runCli, startCli, waitFor, watchPids } from './up-helpers.js';

const started: CliRun[] = [];
const workloadPids = new Set<number>();
const dirs: string[] = [];
const unwatch: (() => void)[] = [];

function stateDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-up-e2e-'));
  dirs.push(d);
  // Every workload PID is recorded as soon as it exists, so a failing assertion cannot leak it.
  unwatch.push(watchPids(d, workloadPids));
  return d;
}

function up(args: string[]): CliRun {
  const run = startCli(['up', 'examples/hello-web/service.yaml', ...args]);
  started.push(run);
  return run;
}

async function urlOf(run: CliRun): Promise<URL> {
  const line = await waitFor('the outputs line', () => jsonLine(run), 90_000, run);
  expect(Object.keys(line as object)).toEqual(['outputs']);
  const url = (line as { outputs: { url?: unknown } }).outputs.url;
  expect(typeof url).toBe('string');
  return new URL(url as string);
}

/** GET url, retried while the server is not listening yet (bounded: 10 s). */
async function get(url: URL): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      return await res.text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function sigint(run: CliRun): Promise<number | null> {
  run.child.kill('SIGINT');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

afterAll(() => {
  for (const u of unwatch) u();
  killPids(started.map((r) => r.child.pid));
  killPids(workloadPids);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('khutulun up (end to end, hello-web)', () => {
  it('deploys, serves, reports status, prints one JSON line, and stops cleanly on SIGINT', async () => {
    const state = stateDir();
    const run = up(['--name', 'e2e-web', '--state', state, '-o', 'json']);
    const url = await urlOf(run);
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    expect(port).toBeGreaterThan(0);

    // `started` means spawned, not listening (no readiness probe yet): allow the server a moment.
    expect(await get(url)).toBe('Hello from Khutulun\n');

    const records = processRecords(state);
    expect(records).toHaveLength(1);
    const pid = records[0]!.pid!;
    expect(records[0]!.id).toBe('e2e-web/nodes/web');
    workloadPids.add(pid);
    expect(alive(pid)).toBe(true);

    const status = await runCli(['status', 'e2e-web', '-o', 'json', '--state', state]);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(['name', 'nodes', 'outputs']);
    expect(s).toEqual({
      name: 'e2e-web',
      nodes: [{ id: 'nodes/web', template: 'web', host: 'local', state: 'started' }],
      outputs: { url: url.toString() },
    });
    for (const n of s['nodes'] as object[]) expect(Object.keys(n).sort()).toEqual(['host', 'id', 'state', 'template']);

    // -o json: exactly one line on stdout while it runs.
    expect(run.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);

    expect(await sigint(run)).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l !== '')).toEqual([run.stdout.split('\n')[0]]);
    expect(run.stderr).toMatch(/SIGINT: stopping e2e-web/);
    // The user's console shows our lines only, not automerge-repo's about a deleted document.
    expect(run.stderr).not.toMatch(/error waiting for|threw an exception/);
    await waitFor('the workload to be gone', () => (alive(pid) ? undefined : true), 10_000);
    expect(await portOpen(port)).toBe(false);
    expect(processRecords(state)).toEqual([]);
  }, 150_000);

  it('up again on the same state resumes the running workload (same PID, same URL), no duplicate', async () => {
    const state = stateDir();
    const first = up(['--name', 'e2e-resume', '--state', state, '-o', 'json']);
    const url = await urlOf(first);
    const pid = processRecords(state)[0]!.pid!;
    workloadPids.add(pid);
    // The foreground agent dies without stopping anything (kill -9): the workload keeps running.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(pid)).toBe(true);

    const second = up(['--name', 'e2e-resume', '--state', state, '-o', 'json']);
    const url2 = await urlOf(second);
    expect(url2.toString()).toBe(url.toString());
    const records = processRecords(state);
    expect(records.map((r) => r.pid)).toEqual([pid]);
    expect(await get(url2)).toBe('Hello from Khutulun\n');
    expect(second.stderr).not.toMatch(/creating/);

    expect(await sigint(second)).toBe(0);
    await waitFor('the resumed workload to be gone', () => (alive(pid) ? undefined : true), 10_000);
    expect(await portOpen(Number(url.port))).toBe(false);
  }, 200_000);
});
