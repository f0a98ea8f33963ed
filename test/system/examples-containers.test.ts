/**
 * The container examples under Podman, run as a user runs them (the real CLI as a child process):
 * two-tier (web + database containers wired by ConnectsTo) and mixed (container backend, process
 * frontend). Faults: a missing image, and a dead daemon socket (placement refuses the deployment with a
 * coded error naming the runtime). Nothing may be left running: the adapter lists no container of
 * ours afterwards, and every process PID is gone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerAdapter } from '../../runtimes/container/index.js';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { alive, jsonLine, killPids, processRecords, runCli, startCli, waitFor, watchPids } from '../unit/cli/up-helpers.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';

const enabled = requirePodman();
const runs: CliRun[] = [];
const pids = new Set<number>();
const dirs: string[] = [];
const unwatch: (() => void)[] = [];
/** One adapter per host id: list() shows only what that host (state dir) started. */
const adapters = new Map<string, ContainerAdapter>();

const tmp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-up-sys-'));
  dirs.push(d);
  unwatch.push(watchPids(d, pids), watchPids(path.join(d, 'state'), pids));
  return d;
};

function up(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const run = startCli(['up', ...args], { KH_PODMAN_SOCKET: podmanSocket, ...env });
  runs.push(run);
  return run;
}

async function urlOf(run: CliRun): Promise<string> {
  const line = (await waitFor('the outputs line', () => jsonLine(run), 120_000, run)) as { outputs: { url: string } };
  return line.outputs.url;
}

/** GET, retried (bounded) while the server is starting or the one-client nc database is busy. */
async function getText(url: string, want: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      last = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
      if (want.test(last)) return last;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`GET ${url}: wanted ${want}, last answer: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function finish(run: CliRun, signal?: NodeJS.Signals): Promise<number | null> {
  if (signal) run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

function adapterFor(state: string): ContainerAdapter {
  const hostId = (JSON.parse(readFileSync(path.join(state, 'host.json'), 'utf8')) as { id: string }).id;
  let a = adapters.get(hostId);
  if (!a) adapters.set(hostId, (a = createPodmanAdapter({ hostId })));
  return a;
}

/** The containers of DEPLOYMENT that the host of STATE runs. */
async function ours(state: string, deployment: string): Promise<string[]> {
  return (await adapterFor(state).list()).map((w) => w.id).filter((id) => id.startsWith(`${deployment}/`));
}

afterAll(async () => {
  for (const u of unwatch) u();
  killPids(runs.map((r) => r.child.pid));
  killPids(pids);
  for (const a of adapters.values()) {
    for (const w of await a.list().catch(() => [])) await a.remove(w.id, { timeoutMs: 2000 }).catch(() => undefined);
    await a.close();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!enabled)('examples under Podman (khutulun up)', () => {
  it('two-tier: the web container reaches the database container through DATABASE_ADDRESS/PORT', async () => {
    const state = tmp();
    const run = up(['examples/two-tier/service.yaml', '--name', 'sys-two-tier', '--input', `image=${busyboxImage}`, '--state', state, '-o', 'json']);
    const url = await urlOf(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const line = jsonLine(run) as { outputs: { database_port: number } };
    expect(await getText(url, /database at/)).toBe(`database at host.containers.internal:${line.outputs.database_port}\n`);
    expect(await getText(`${url}cgi-bin/query`, /rows/)).toBe('rows: 42\n');
    expect((await ours(state, 'sys-two-tier')).sort()).toEqual(['sys-two-tier/nodes/database', 'sys-two-tier/nodes/web']);
    expect(await finish(run, 'SIGINT')).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(await ours(state, 'sys-two-tier')).toEqual([]);
  }, 240_000);

  it('mixed: a process frontend proxies to a container backend', async () => {
    const state = tmp();
    const run = up(['examples/mixed/service.yaml', '--name', 'sys-mixed', '--input', `image=${busyboxImage}`, '--state', state, '-o', 'json']);
    const url = await urlOf(run);
    expect(await getText(url, /frontend/)).toBe('frontend (process) -> backend (container)\n');
    // The operator's view into both runtimes, through the agent: exec in the container, logs of both.
    const inContainer = await runCli(['--state', state, 'exec', 'sys-mixed', 'backend', '--', 'cat', '/www/index.html']);
    expect(inContainer).toMatchObject({ code: 0, stdout: 'backend (container)\n' });
    const failing = await runCli(['--state', state, 'exec', 'sys-mixed', 'backend', '--', 'sh', '-c', 'echo oops >&2; exit 5']);
    expect(failing).toMatchObject({ code: 5, stderr: 'oops\n' });
    const inProcess = await runCli(['--state', state, 'exec', 'sys-mixed', 'frontend', '--', 'sh', '-c', 'echo "$KHUTULUN_WORKLOAD"']);
    expect(inProcess).toMatchObject({ code: 0, stdout: 'sys-mixed/nodes/frontend\n' });
    const logs = await runCli(['--state', state, 'logs', 'sys-mixed', 'backend', '--since', '10m']);
    expect(logs.code).toBe(0);
    const pid = processRecords(state)[0]!.pid!;
    pids.add(pid);
    expect(alive(pid)).toBe(true);
    expect(await finish(run, 'SIGINT')).toBe(0);
    await waitFor('the frontend process to be gone', () => (alive(pid) ? undefined : true), 10_000);
    expect(await ours(state, 'sys-mixed')).toEqual([]);
  }, 240_000);

  it('a missing image fails the container node with a coded error; nothing stays running', async () => {
    const dir = tmp();
    const file = path.join(dir, 'service.yaml');
    writeFileSync(
      file,
      `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    app:
      type: Container
      properties:
        image: localhost/khutulun-no-such-image:never
        pull: false
        command: [ sh, -c, 'sleep 1000' ]
`,
    );
    const run = up([file, '--name', 'sys-noimage', '--state', path.join(dir, 'state'), '-o', 'json']);
    expect(await finish(run)).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/nodes\/app: KH-CONT-002: image localhost\/khutulun-no-such-image:never is not available/);
    expect(await ours(path.join(dir, 'state'), 'sys-noimage')).toEqual([]);
  }, 180_000);

  it('a dead daemon socket: the deployment is refused with a coded placement error naming the runtime, nothing runs', async () => {
    const dir = tmp();
    const state = path.join(dir, 'state');
    const file = path.join(dir, 'service.yaml');
    writeFileSync(
      file,
      `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    proc:
      type: Process
      properties:
        command: node
        args: [ -e, "setInterval(() => {}, 1000)" ]
    box:
      type: Container
      properties:
        image: ${busyboxImage}
        pull: false
        command: [ sh, -c, 'sleep 1000' ]
`,
    );
    const run = up([file, '--name', 'sys-nodaemon', '--state', state, '-o', 'json'], { KH_PODMAN_SOCKET: path.join(dir, 'dead.sock') });
    const code = await finish(run);
    expect(code).toBe(1);
    // One engine: placement sees that no host runs podman and refuses before anything starts.
    expect(run.stderr).toMatch(/KH-AGENT-PLACEMENT: 1 node\(s\) of sys-nodaemon cannot be placed/);
    expect(run.stderr).toMatch(/nodes\/box: [^\n]*runtime:podman/);
    expect(run.stderr).toMatch(/no host runs podman now: start its engine/);
    expect(run.stderr).not.toMatch(/proc=started/);
    expect(processRecords(state)).toEqual([]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(await ours(state, 'sys-nodaemon')).toEqual([]);
  }, 180_000);
});
