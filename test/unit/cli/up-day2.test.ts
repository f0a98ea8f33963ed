/**
 * Day 2 on the embedded default, as a user runs it (real CLI processes, the process runtime):
 * `plan` predicts an input change, `update --wait` applies it (the URL serves the new text),
 * `scale` 1 -> 3 -> 1 runs exactly that many processes, a second `up` on the same state folder is
 * refused and leaves the first untouched, a workload killed while `up` was down is restarted when it
 * comes back, and a crash-looping node is reported `failing` with its stderr, never `started`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { alive, jsonLine, killPids, processRecords, runCli, startCli, waitFor, watchPids } from './up-helpers.js';

const started: CliRun[] = [];
const workloadPids = new Set<number>();
const dirs: string[] = [];
const unwatch: (() => void)[] = [];
const HELLO = 'examples/hello-web/service.yaml';

function stateDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-up-day2-'));
  dirs.push(d);
  unwatch.push(watchPids(d, workloadPids));
  return d;
}

function up(args: string[]): CliRun {
  const run = startCli(['up', ...args]);
  started.push(run);
  return run;
}

async function get(url: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(url);
      return await res.text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const running = (state: string): number[] => processRecords(state).filter((r) => r.status === 'running' && r.pid !== undefined && alive(r.pid)).map((r) => r.pid!);

afterAll(() => {
  for (const u of unwatch) u();
  killPids(started.map((r) => r.child.pid));
  killPids(workloadPids);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('khutulun up: Day 2 on one host', () => {
  it('plan, update, scale 1 -> 3 -> 1, a refused second up, and supervision after a restart', async () => {
    const state = stateDir();
    const first = up([HELLO, '--name', 'd2', '--state', state, '--input', 'greeting=AAA', '-o', 'json']);
    const line = (await waitFor('the outputs line', () => jsonLine(first), 120_000, first)) as { outputs: { url: string } };
    const url = line.outputs.url;
    expect(await get(url)).toBe('AAA\n');

    const plan = await runCli(['plan', 'd2', HELLO, '--input', 'greeting=BBB', '--state', state, '-o', 'json'], 60_000);
    expect(plan.code).toBe(0);
    const p = JSON.parse(plan.stdout) as { changes: { action: string; node: string; properties?: { name: string; from?: string; to?: string }[] }[] };
    expect(p.changes).toEqual([
      expect.objectContaining({ action: 'update', node: 'nodes/web', properties: [{ name: 'env', from: '{"GREETING":"AAA"}', to: '{"GREETING":"BBB"}' }] }),
    ]);

    const update = await runCli(['update', 'd2', HELLO, '--input', 'greeting=BBB', '--state', state, '--wait', '--timeout', '90s'], 120_000);
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/update\s+nodes\/web\s+env: \{"GREETING":"AAA"\} -> \{"GREETING":"BBB"\}/);
    expect(await get(url)).toBe('BBB\n');
    expect(running(state)).toHaveLength(1);

    const three = await runCli(['scale', 'd2', 'web', '3', '--state', state, '--wait', '--timeout', '90s'], 120_000);
    expect(three.code, three.stderr).toBe(0);
    await waitFor('three processes', () => (running(state).length === 3 ? true : undefined), 30_000);
    const one = await runCli(['scale', 'd2', 'web', '1', '--state', state, '--wait', '--timeout', '90s'], 120_000);
    expect(one.code, one.stderr).toBe(0);
    await waitFor('one process', () => (running(state).length === 1 ? true : undefined), 30_000);
    // The first instance kept running through the scaling (and its URL with it).
    expect(await get(url)).toBe('BBB\n');

    // A second `up` on the same folder is refused and leaves the first untouched.
    const second = await runCli(['up', HELLO, '--name', 'd2', '--state', state], 60_000);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('KH-AGENT-STATE-BUSY');
    const status = await runCli(['status', 'd2', '--state', state, '-o', 'json'], 30_000);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).nodes).toEqual([{ id: 'nodes/web', template: 'web', host: 'local', state: 'started' }]);

    // kill -9 of `up`, then of the workload: the next `up` finds it dead and its supervision restarts it.
    const [pid] = running(state);
    first.child.kill('SIGKILL');
    await first.exited;
    process.kill(pid!, 'SIGKILL');
    await waitFor('the workload to die', () => (alive(pid!) ? undefined : true), 10_000);
    const again = up([HELLO, '--name', 'd2', '--state', state, '--input', 'greeting=BBB', '-o', 'json']);
    await waitFor('the outputs line again', () => jsonLine(again), 120_000, again);
    await waitFor('a new process', () => (running(state).some((x) => x !== pid) ? true : undefined), 30_000);
    expect(await get(url)).toBe('BBB\n');
    again.child.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
    expect(processRecords(state)).toEqual([]);
  }, 600_000);

  it('a crash-looping node is failing with the tail of its stderr, never started', async () => {
    const state = stateDir();
    const file = path.join(state, 'crasher.yaml');
    writeFileSync(
      file,
      `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    crasher:
      type: Process
      properties:
        command: sh
        args: [ -c, "echo 'fatal: cannot open /etc/crasher.conf' >&2; exit 3" ]
        restart: on-failure
`,
    );
    const run = up([file, '--name', 'crash', '--state', state, '-o', 'json']);
    const line = (await waitFor('the outputs line', () => jsonLine(run), 120_000, run)) as { state?: string };
    // The runtime restarts it quickly and it dies again: status says failing within seconds.
    const s = await (async () => {
      for (let i = 0; i < 60; i++) {
        const r = await runCli(['status', 'crash', '--state', state, '-o', 'json'], 30_000);
        const j = JSON.parse(r.stdout) as { nodes: { state: string }[] };
        if (j.nodes[0]?.state === 'failing') return j;
        await new Promise((res) => setTimeout(res, 500));
      }
      return undefined;
    })();
    expect(s?.nodes[0]?.state).toBe('failing');
    const human = await runCli(['status', 'crash', '--state', state], 30_000);
    expect(human.stdout).toMatch(/failing \(KH-PROC-EXITED: process of crash\/nodes\/crasher exited with code 3\)/);
    expect(human.stdout).toContain('nodes/crasher stderr| fatal: cannot open /etc/crasher.conf');
    expect(['failing', undefined]).toContain(line.state);
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
  }, 300_000);
});
