/**
 * Script operations inside a container, under Podman, as a user runs them (`khutulun up`, the real
 * CLI): a node HostedOn a Container has its configure script run inside that container through the
 * runtime's exec — the file it writes is in the container, its output is in `khutulun logs` of the
 * node, its output value comes back as an attribute; a failing script inside the container fails
 * the node with the script's stderr tail. Nothing stays running afterwards.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerAdapter } from '../../runtimes/container/index.js';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { killPids, runCli, startCli, waitFor } from '../unit/cli/up-helpers.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';

const enabled = requirePodman();
const runs: CliRun[] = [];
const dirs: string[] = [];
const adapters: ContainerAdapter[] = [];

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-scripts-sys-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  killPids(runs.map((r) => r.child.pid));
  for (const a of adapters) {
    for (const w of await a.list().catch(() => [])) await a.remove(w.id, { timeoutMs: 2000 }).catch(() => undefined);
    await a.close();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TEMPLATE = (script: string): string => `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
node_types:
  App:
    derived_from: Root
    requirements:
      - host:
          capability: Node
          relationship: HostedOn
    attributes:
      site: { type: string }
service_template:
  node_templates:
    box:
      type: Container
      properties:
        image: ${busyboxImage}
        command: [ sleep, '3600' ]
    app:
      type: App
      requirements:
        - host: box
      interfaces:
        Standard:
          operations:
            configure:
              implementation:
                primary: ${script}
                dependencies: [ scripts/common.sh ]
              inputs:
                greeting: hello from the template
              outputs:
                site: { mapping: [ SELF, site ] }
  outputs:
    site:
      value: { $get_attribute: [ app, site ] }
`;

function project(script: string): string {
  const dir = tmp();
  mkdirSync(path.join(dir, 'scripts'));
  writeFileSync(path.join(dir, 'service.yaml'), TEMPLATE(script));
  writeFileSync(path.join(dir, 'scripts', 'setup.sh'), '. ./common.sh\necho "$greeting" > /tmp/app-configured\necho "configured in $(hostname)"\necho "site=$SITE" >> "$KHUTULUN_OUTPUTS"\n');
  writeFileSync(path.join(dir, 'scripts', 'common.sh'), 'SITE=inside-container\n');
  writeFileSync(path.join(dir, 'scripts', 'broken.sh'), 'echo "no space left on device (inside)" >&2\nexit 9\n');
  return dir;
}

async function finish(run: CliRun, signal?: NodeJS.Signals): Promise<number | null> {
  if (signal) run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

describe.skipIf(!enabled)('script operations inside a container (podman, khutulun up)', () => {
  it('runs the configure script of a node HostedOn a container inside that container', async () => {
    const dir = project('scripts/setup.sh');
    const state = tmp();
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', 'sys-scripts', '--state', state, '-o', 'json'], { KH_PODMAN_SOCKET: podmanSocket });
    runs.push(run);
    let exited = false;
    void run.exited.then(() => (exited = true));
    await waitFor('the outputs line', () => (run.stdout.includes('\n') || exited ? true : undefined), 180_000, run);
    expect(exited, run.stderr).toBe(false);
    expect(JSON.parse(run.stdout.split('\n')[0]!)).toEqual({ outputs: { site: 'inside-container' } });
    const hostId = (JSON.parse(readFileSync(path.join(state, 'host.json'), 'utf8')) as { id: string }).id;
    const adapter = createPodmanAdapter({ hostId });
    adapters.push(adapter);
    const inBox = await runCli(['--state', state, 'exec', 'sys-scripts', 'box', '--', 'cat', '/tmp/app-configured']);
    expect(inBox).toMatchObject({ code: 0, stdout: 'hello from the template\n' });
    const logs = await runCli(['--state', state, 'logs', 'sys-scripts', 'app']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('inside sys-scripts/nodes/box (podman)');
    expect(logs.stdout).toMatch(/configured in \S+/);
    expect(await finish(run, 'SIGINT')).toBe(0);
    expect((await adapter.list()).filter((w) => w.id.startsWith('sys-scripts/'))).toEqual([]);
  }, 300_000);

  it('a script failing inside the container fails the node with its stderr tail', async () => {
    const dir = project('scripts/broken.sh');
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', 'sys-scripts-bad', '--state', tmp()], { KH_PODMAN_SOCKET: podmanSocket });
    runs.push(run);
    expect(await finish(run)).toBe(1);
    const said = run.stdout + run.stderr;
    expect(said).toMatch(/nodes\/app: KH-SCRIPT-FAILED/);
    expect(said).toContain('no space left on device (inside)');
  }, 300_000);
});
