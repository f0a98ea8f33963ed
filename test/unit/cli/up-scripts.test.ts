/**
 * Script operations through the production engine, as a user runs them: `khutulun up` (the real
 * CLI in a child process: TOSCA compile, the store, the actors, the built-in khutulun.script Wasm
 * plugin, the script runtime) deploys
 * - a TOSCA 1.3 template whose SoftwareComponent on a Compute is installed by scripts: the files
 *   they write appear, an input arrives as environment, an output comes back (as an attribute, as
 *   get_operation_output in the next script and in a service output), and `logs` shows their output;
 * - the same with a failing configure script: the node fails with the script's stderr tail;
 * - the standard's own example of a script operation (TOSCA 2.0 conformance s119,
 *   `standard: start: scripts/start_server.sh`), whose script really runs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { killPids, root, runCli, startCli, waitFor } from './up-helpers.js';

const started: CliRun[] = [];
const dirs: string[] = [];

function temp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-up-scripts-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  killPids(started.map((r) => r.child.pid));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

const LEGACY = (configure: string): string => `tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  inputs:
    greeting: { type: string, default: hello }
    target: { type: string }
  node_templates:
    server:
      type: tosca.nodes.Compute
    app:
      type: tosca.nodes.SoftwareComponent
      requirements:
        - host: server
      interfaces:
        Standard:
          create:
            implementation: scripts/install.sh
            inputs:
              GREETING: { get_input: greeting }
              target-dir: { get_input: target }
            outputs:
              token: [ SELF, token_attr ]
          configure:
            implementation:
              primary: ${configure}
              dependencies: [ scripts/lib.sh ]
              timeout: 60
            inputs:
              TOKEN: { get_operation_output: [ SELF, Standard, create, token ] }
              target-dir: { get_input: target }
  outputs:
    token:
      value: { get_operation_output: [ app, Standard, create, token ] }
    token_attr:
      value: { get_attribute: [ app, token_attr ] }
`;

const SCRIPTS = {
  'scripts/install.sh': '#!/bin/sh\necho "$GREETING" > "$target_dir/installed"\necho "installing for $GREETING"\necho "token=t-$$" >> "$KHUTULUN_OUTPUTS"\n',
  'scripts/configure.sh': '#!/bin/sh\n. ./lib.sh\necho "$TOKEN $LIB" > "$target_dir/configured"\necho "configured with $TOKEN"\n',
  'scripts/broken.sh': '#!/bin/sh\necho "about to configure"\necho "cannot open /etc/app.conf: permission denied" >&2\nexit 7\n',
  'scripts/lib.sh': 'LIB=from-lib\n',
};

async function upUntil(args: string[], what: RegExp, timeoutMs = 90_000): Promise<CliRun> {
  const run = startCli(['up', ...args]);
  started.push(run);
  await waitFor(`up to say ${what}`, () => (what.test(run.stdout + run.stderr) ? true : undefined), timeoutMs, run);
  return run;
}

async function stop(run: CliRun): Promise<number | null> {
  run.child.kill('SIGINT');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

/** The OASIS TOSCA conformance suite kept next to the repository (shared/tosca/conformance). */
function standardExample(rel: string): string | undefined {
  for (const base of [path.resolve(root, '..', 'shared'), path.resolve(root, '..', '..', 'shared')]) {
    const p = path.join(base, 'tosca', 'conformance', rel);
    if (existsSync(p)) return p;
  }
  return undefined;
}

describe('script operations through khutulun up', () => {
  it('a 1.3 SoftwareComponent on a Compute is installed and configured by its scripts; outputs come back', async () => {
    const dir = temp();
    const target = temp();
    writeTree(dir, { 'service.yaml': LEGACY('scripts/configure.sh'), ...SCRIPTS });
    const state = temp();
    const run = await upUntil([path.join(dir, 'service.yaml'), '--name', 'legacy', '--state', state, '--input', `target=${target}`], /is up/);
    const installed = readFileSync(path.join(target, 'installed'), 'utf8');
    expect(installed).toBe('hello\n');
    const [token, lib] = readFileSync(path.join(target, 'configured'), 'utf8').trim().split(' ');
    expect(token).toMatch(/^t-\d+$/);
    expect(lib).toBe('from-lib');

    const outputs = await runCli(['outputs', 'legacy', '--state', state, '-o', 'json']);
    expect(outputs.code).toBe(0);
    expect(JSON.parse(outputs.stdout)).toMatchObject({ token, token_attr: token });

    const logs = await runCli(['logs', 'legacy', 'app', '--state', state]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('installing for hello');
    expect(logs.stdout).toContain(`configured with ${token}`);
    expect(await stop(run)).toBe(0);
  });

  it('a failing script fails its node with the tail of its stderr', async () => {
    const dir = temp();
    const target = temp();
    writeTree(dir, { 'service.yaml': LEGACY('scripts/broken.sh'), ...SCRIPTS });
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', 'broken', '--state', temp(), '--input', `target=${target}`]);
    started.push(run);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 90_000);
    const { code } = await run.exited;
    clearTimeout(timer);
    expect(code).toBe(1);
    const said = run.stdout + run.stderr;
    expect(said).toMatch(/nodes\/app: KH-SCRIPT-FAILED/);
    expect(said).toContain('exited with 7');
    expect(said).toContain('cannot open /etc/app.conf: permission denied');
    // create ran before the failure: its effect is there
    expect(readFileSync(path.join(target, 'installed'), 'utf8')).toBe('hello\n');
  });

  const s119 = standardExample('operation-definition/s119.yaml');
  it.skipIf(!s119)("runs the standard's example of a script operation (conformance s119)", async () => {
    const dir = temp();
    const marker = path.join(temp(), 'server-started');
    writeFileSync(path.join(dir, 'service.yaml'), readFileSync(s119!, 'utf8'));
    writeTree(dir, { 'scripts/start_server.sh': `#!/bin/sh\necho "start_server ran as $KHUTULUN_OPERATION" > ${marker}\n` });
    const run = await upUntil([path.join(dir, 'service.yaml'), '--name', 's119', '--state', temp()], /is up/);
    expect(readFileSync(marker, 'utf8')).toBe('start_server ran as Standard.start\n');
    expect(await stop(run)).toBe(0);
  });
});
