/**
 * `khutulun up` as an attacker sees it: another local user (uid 65534 via setpriv) against a real
 * `up` process. Before issue 13 its loopback API and sync took anyone: a POST of a Process template
 * ran as root. Now every call without the per-start token is refused (401), the token sits in
 * agent.json (0600) in a 0700 state dir the attacker cannot even enter, a web page's requests
 * (Origin, a rebinding Host) are refused (403), and the owner's `khutulun status` still works.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { jsonLine, killPids, runCli, startCli, waitFor, watchPids } from './up-helpers.js';

const NOBODY = 65534;

function canDropPrivileges(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'curl', '--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** curl as uid 65534: the HTTP status (or 000 when no HTTP answer came), bounded to 10 s. */
function curlAsNobody(args: string[]): { status: string; body: string } {
  const out = execFileSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'curl', '-s', '--max-time', '10', '-w', '\n%{http_code}', ...args],
    { encoding: 'utf8', timeout: 15_000 },
  );
  const nl = out.lastIndexOf('\n');
  return { body: out.slice(0, nl), status: out.slice(nl + 1) };
}

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

describe.skipIf(!canDropPrivileges())('khutulun up and agent against another local user (setpriv uid 65534)', () => {
  it('refuses the API and /sync without the token, keeps the token private, and lets the owner in', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'kh-up-attacker-'));
    dirs.push(state);
    chmodSync(state, 0o755); // as a user's existing folder might be: up must close it
    unwatch.push(watchPids(state, workloadPids));
    const run = startCli(['up', 'examples/hello-web/service.yaml', '--name', 'victim', '--state', state, '-o', 'json']);
    started.push(run);
    await waitFor('the outputs line', () => jsonLine(run), 90_000, run);

    // The secret: owner-only file in an owner-only folder.
    expect(statSync(state).mode & 0o777).toBe(0o700);
    const recordFile = path.join(state, 'agent.json');
    expect(statSync(recordFile).mode & 0o777).toBe(0o600);
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { url: string; token: string };
    expect(record.token).toMatch(/^[0-9a-f]{64}$/);
    const url = record.url;

    // The attacker cannot read it...
    const cat = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'cat', recordFile], { encoding: 'utf8' });
    expect(cat.status).not.toBe(0);
    expect(cat.stderr).toMatch(/Permission denied/);
    // ...nor use the CLI's discovery through it.
    const asNobody = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--import', 'tsx', 'test/unit/cli/up-launcher.ts', 'status', 'victim', '--state', state], {
      encoding: 'utf8',
      cwd: path.resolve(import.meta.dirname, '../../..'),
      env: { ...process.env, HOME: '/nonexistent' },
      timeout: 30_000,
    });
    expect(asNobody.status).not.toBe(0);
    expect(asNobody.stdout).not.toContain('started');

    // ...and every API call and the sync upgrade without the token is refused.
    const hosts = curlAsNobody([`${url}/v1/hosts`]);
    expect(hosts.status).toBe('401');
    expect(JSON.parse(hosts.body)).toMatchObject({ error: { code: 'KH-AGENT-010' } });
    const template = 'tosca_definitions_version: tosca_2_0\nservice_template:\n  node_templates:\n    x:\n      type: Process\n      properties: {command: cat, args: [/etc/shadow]}\n';
    const deploy = curlAsNobody(['-X', 'POST', '-H', 'content-type: application/json', '--data', JSON.stringify({ name: 'pwn', source: template }), `${url}/v1/deployments`]);
    expect(deploy.status).toBe('401');
    expect(curlAsNobody(['-X', 'DELETE', `${url}/v1/deployments/victim`]).status).toBe('401');
    expect(curlAsNobody(['-H', 'authorization: Bearer guessed-token-0000000000', `${url}/v1/deployments`]).status).toBe('401');
    const upgrade = ['-H', 'connection: Upgrade', '-H', 'upgrade: websocket', '-H', 'sec-websocket-version: 13', '-H', 'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ=='];
    expect(curlAsNobody([...upgrade, `${url}/sync`]).status).toBe('401');
    expect(curlAsNobody([...upgrade, `${url}/sync?token=guessed-token-0000000000`]).status).toBe('401');
    // A web page in the owner's browser: even holding the token (it cannot), Origin/rebinding are refused.
    const auth = ['-H', `authorization: Bearer ${record.token}`];
    expect(curlAsNobody([...auth, '-H', 'origin: https://evil.example', `${url}/v1/hosts`]).status).toBe('403');
    expect(curlAsNobody([...auth, '-H', `host: evil.example:${new URL(url).port}`, `${url}/v1/hosts`]).status).toBe('403');
    expect(curlAsNobody([...auth, ...upgrade, '-H', 'origin: https://evil.example', `${url}/sync`]).status).toBe('403');
    // Health stays open and says nothing.
    expect(curlAsNobody([`${url}/healthz`])).toEqual({ status: '200', body: '{"ok":true}' });
    // Nothing was deployed by the attempts.
    const list = await fetch(`${url}/v1/deployments`, { headers: { authorization: `Bearer ${record.token}` } });
    expect(((await list.json()) as Array<{ name: string }>).map((d) => d.name)).toEqual(['victim']);

    // The owner, from another terminal, finds the agent by the state dir.
    const status = await runCli(['status', 'victim', '-o', 'json', '--state', state]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'victim' });

    // A record others could read is refused (not trusted, not used), with the file named.
    chmodSync(recordFile, 0o644);
    const refused = await runCli(['status', 'victim', '--state', state]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('KH-FILE-PERMS');
    expect(refused.stderr).toContain(recordFile);
    chmodSync(recordFile, 0o600);
    writeFileSync(path.join(state, 'unused'), ''); // the folder is still writable by its owner

    run.child.kill('SIGINT');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    expect((await run.exited).code).toBe(0);
    clearTimeout(timer);
  }, 180_000);

  it('refuses the `khutulun agent` API and /sync to another user; its token is not in argv', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-agent-attacker-'));
    dirs.push(dir);
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'cluster-token-0123456789abcdef\n', { mode: 0o600 });
    const state = path.join(dir, 'state');
    const run = startCli(['agent', '--name', 'edge-1', '--listen', '127.0.0.1:0', '--state', state, '--token-file', tokenFile, '--log-level', 'error']);
    started.push(run);
    const url = await waitFor('agent.json', () => {
      try {
        return (JSON.parse(readFileSync(path.join(state, 'agent.json'), 'utf8')) as { url: string }).url;
      } catch {
        return undefined;
      }
    }, 60_000, run);
    // The token is not in the agent's command line (what `ps` shows every user).
    expect(readFileSync(`/proc/${run.child.pid}/cmdline`, 'utf8')).not.toContain('cluster-token');
    const upgrade = ['-H', 'connection: Upgrade', '-H', 'upgrade: websocket', '-H', 'sec-websocket-version: 13', '-H', 'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ=='];
    expect(curlAsNobody([`${url}/v1/hosts`]).status).toBe('401');
    expect(curlAsNobody(['-X', 'POST', '--data', '{}', `${url}/v1/deployments`]).status).toBe('401');
    expect(curlAsNobody([...upgrade, `${url}/sync`]).status).toBe('401');
    expect(curlAsNobody(['-H', 'authorization: Bearer cluster-token-0123456789abcdef', `${url}/v1/hosts`]).status).toBe('200');
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    expect((await run.exited).code).toBe(0);
    clearTimeout(timer);
  }, 120_000);
});
