/**
 * `khutulun run` end to end on the production engine, as a user runs it: `up` (child process) of a
 * service whose node type has a custom interface implemented by a script; `run NAME NODE
 * Iface.op --input` runs the script on the owner with the input as environment (its effect on
 * disk is checked), a failing run exits 1 with the script's error; `run NAME --workflow W` runs
 * the steps in order.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { killPids, runCli, startCli, waitFor } from './up-helpers.js';

const started: CliRun[] = [];
const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-up-run-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  killPids(started.map((r) => r.child.pid));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SERVICE = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
interface_types:
  Maintenance:
    operations:
      backup:
        inputs:
          TARGET: { type: string, required: false }
node_types:
  Db:
    derived_from: Root
    interfaces:
      Maintenance:
        type: Maintenance
        operations:
          backup:
            implementation: scripts/backup.sh
service_template:
  node_templates:
    db:
      type: Db
  workflows:
    nightly:
      inputs:
        TARGET: { type: string }
      steps:
        backup:
          target: db
          activities:
            - call_operation: Maintenance.backup
            - set_state: backed-up
`;

const BACKUP = '#!/bin/sh\nset -e\necho "backing up to $TARGET"\necho "done by $(id -un)" > "$TARGET/backup.done"\n';

describe('khutulun run through up', () => {
  it('runs an operation and a workflow on the node’s owner; a failure exits 1 with the script’s error', async () => {
    const dir = temp();
    mkdirSync(path.join(dir, 'scripts'));
    writeFileSync(path.join(dir, 'service.yaml'), SERVICE);
    writeFileSync(path.join(dir, 'scripts', 'backup.sh'), BACKUP);
    const state = temp();
    const up = startCli(['up', path.join(dir, 'service.yaml'), '--name', 'app', '--state', state]);
    started.push(up);
    await waitFor('up to say it is up', () => (/is up/.test(up.stdout + up.stderr) ? true : undefined), 90_000, up);

    const target = temp();
    const one = await runCli(['run', 'app', 'db', 'Maintenance.backup', '--input', `TARGET=${target}`, '--state', state], 60_000);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(readFileSync(path.join(target, 'backup.done'), 'utf8')).toMatch(/^done by /);
    expect(one.stdout).toMatch(/db +\S+ +Maintenance\.backup +ok/);
    expect(one.stdout).toContain('app: Maintenance.backup succeeded');

    const bad = await runCli(['run', 'app', 'db', 'Maintenance.backup', '--input', 'TARGET=/nonexistent/dir', '--state', state, '-o', 'json'], 60_000);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; results: { ok: boolean; error?: { code: string; message: string } }[] };
    expect(report.ok).toBe(false);
    expect(report.results[0]!.error?.code).toBe('KH-SCRIPT-FAILED');

    const wfTarget = temp();
    const wf = await runCli(['run', 'app', '--workflow', 'nightly', '--input', `TARGET=${wfTarget}`, '--state', state], 60_000);
    expect(wf.code, wf.stdout + wf.stderr).toBe(0);
    expect(existsSync(path.join(wfTarget, 'backup.done'))).toBe(true);
    expect(wf.stdout).toMatch(/backup +db .*khutulun:set_state +ok/s);

    const lifecycle = await runCli(['run', 'app', 'db', 'Standard.start', '--state', state]);
    expect(lifecycle.code).toBe(1);
    expect(lifecycle.stderr).toContain('KH-RUN-LIFECYCLE');

    up.child.kill('SIGINT');
    await up.exited;
  }, 180_000);
});
