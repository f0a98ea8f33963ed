/**
 * What an operator does next to `khutulun up`, with the real CLI in child processes and the real
 * process runtime: logs (whole, tail, all nodes, follow), exec in the workload's environment,
 * events as JSON lines, /metrics, and `… | head -1` pipelines that end cleanly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { jsonLine, killPids, root, runCli, startCli, waitFor, watchPids } from './up-helpers.js';

const started: CliRun[] = [];
const workloadPids = new Set<number>();
const state = mkdtempSync(path.join(tmpdir(), 'kh-operator-e2e-'));
const unwatch = watchPids(state, workloadPids);

afterAll(() => {
  unwatch();
  killPids(started.map((r) => r.child.pid));
  killPids(workloadPids);
  rmSync(state, { recursive: true, force: true });
});

const SERVICE = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    ticker:
      type: Process
      properties:
        command: sh
        args: [ -c, 'echo started; echo "warned $GREETING" >&2; while true; do echo tick; sleep 0.3; done' ]
        env:
          GREETING: hello
  outputs:
    ok:
      value: yes
`;

describe('operator commands against `khutulun up` (end to end)', () => {
  it('logs, exec, events, metrics and clean pipelines', async () => {
    const file = path.join(state, 'ticker.yaml');
    writeFileSync(file, SERVICE);
    const up = startCli(['up', file, '--name', 'ops', '--state', state, '-o', 'json']);
    started.push(up);
    await waitFor('the outputs line', () => jsonLine(up), 90_000, up);
    const s = ['--state', state];

    let logs = await runCli([...s, 'logs', 'ops', 'ticker']);
    for (let i = 0; i < 50 && !logs.stdout.includes('tick\ntick\n'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      logs = await runCli([...s, 'logs', 'ops', 'ticker']);
    }
    expect(logs.code).toBe(0);
    expect(logs.stdout.startsWith('started\ntick\n')).toBe(true);
    expect(logs.stderr).toBe('warned hello\n');

    const tail = await runCli([...s, 'logs', 'ops', 'ticker', '--tail', '1', '--stream', 'stdout']);
    expect(tail.stdout).toBe('tick\n');
    const every = await runCli([...s, 'logs', 'ops']);
    expect(every.stdout.startsWith('[ticker] started\n[ticker] tick\n')).toBe(true);
    const since = await runCli([...s, 'logs', 'ops', 'ticker', '--since', '1m']);
    expect(since.code).toBe(1);
    expect(since.stderr).toContain('KH-RT-IO-OPTION');
    const nope = await runCli([...s, 'logs', 'ops', 'nope']);
    expect(nope.code).toBe(1);
    expect(nope.stderr).toContain('KH-AGENT-070');

    const exec = await runCli([...s, 'exec', 'ops', 'ticker', '--', 'sh', '-c', 'echo "$GREETING from $KHUTULUN_WORKLOAD"; exit 4']);
    expect(exec.stdout).toBe('hello from ops/nodes/ticker\n');
    expect(exec.code).toBe(4);

    const events = await runCli([...s, 'events', 'ops', '-o', 'json']);
    expect(events.code).toBe(0);
    const parsed = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; deployment?: string });
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.every((e) => e.deployment === 'ops')).toBe(true);
    expect(parsed.some((e) => e.type === 'node.transition')).toBe(true);

    const record = JSON.parse(readFileSync(path.join(state, 'agent.json'), 'utf8')) as { url: string; token?: string };
    const metrics = await (await fetch(`${record.url}/metrics`, { headers: record.token ? { authorization: `Bearer ${record.token}` } : {} })).text();
    expect(metrics).toMatch(/khutulun_actors\{state="started"\} [1-9]/);
    expect(metrics).toMatch(/khutulun_plugin_calls_total\{[^}]*outcome="ok"[^}]*\} \d+/);
    expect(metrics).toContain('khutulun_plugin_call_seconds_bucket{');

    // Pipelines: the reader leaves after one line; a follow ends at its next write (as `tail -f | head -1`).
    const launcher = path.join(root, 'test/unit/cli/up-launcher.ts');
    const node = `"${process.execPath}" --import tsx "${launcher}" --state "${state}"`;
    for (const cmd of ['status ops', 'logs ops ticker -f', 'events ops -o json']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${node} ${cmd} | head -1`], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr, cmd).not.toMatch(/EPIPE|Error:/);
      expect(r.status, cmd).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    }

    up.child.kill('SIGINT');
    expect((await up.exited).code).toBe(0);
  }, 180_000);
});
