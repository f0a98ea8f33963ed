/**
 * Every credential role on every route (table-driven from ROUTE_PERMISSIONS, so a new route
 * without an entry fails here) and on /sync: allowed calls get past authorisation (any status but
 * 401/403), refused ones get 403 KH-AGENT-012 (wrong role) or 401 KH-AGENT-010 (no/unknown token).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROUTE_PERMISSIONS } from '../../../agent/api.js';
import { roleGrants, ROLES, tokenDigest } from '../../../agent/auth.js';
import type { Role } from '../../../agent/auth.js';
import { harness, TOKEN } from './helpers.js';
import { testEngine } from './test-engine.js';

const TOKENS: Record<Role, string> = {
  viewer: 'viewer-token-0123456789',
  operator: 'operator-token-0123456789',
  admin: 'admin-token-0123456789',
  peer: 'peer-token-0123456789',
};

async function call(url: string, method: string, path: string, token: string | undefined): Promise<{ status: number; code?: string }> {
  const ctrl = new AbortController();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(url + path.replaceAll(':name', 'nope'), {
    method,
    headers,
    signal: ctrl.signal,
    ...(method === 'POST' ? { body: JSON.stringify({ name: 'x' }) } : {}),
  });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    ctrl.abort();
    return { status: res.status };
  }
  // Errors are JSON; a granted read may be text (/metrics) or a line stream (logs).
  if (!res.headers.get('content-type')?.includes('json')) {
    await res.text();
    return { status: res.status };
  }
  const text = await res.text();
  const body = (text.trim().startsWith('{') ? JSON.parse(text.split('\n')[0]!) : undefined) as { error?: { code: string } } | undefined;
  return { status: res.status, ...(body?.error ? { code: body.error.code } : {}) };
}

function syncOutcome(url: string, token: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/sync`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

describe('roles on every route', () => {
  const h = harness();
  afterEach(() => h.close());

  it('each role may do exactly what its grants say, on the API and on /sync', async () => {
    const credentials = ROLES.map((role) => ({ name: `${role}-user`, role, sha256: tokenDigest(TOKENS[role]) }));
    const dir = h.tmp();
    const a = await h.start('alpha', { credentials, stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    const table: string[] = [];
    for (const route of ROUTE_PERMISSIONS) {
      for (const role of ROLES) {
        const r = await call(a.url, route.method, route.path, TOKENS[role]);
        const allowed = roleGrants(role, route.needs);
        table.push(`${route.method} ${route.path} ${role}: ${r.status}`);
        if (allowed) expect([401, 403], `${route.method} ${route.path} as ${role}`).not.toContain(r.status);
        else expect(r, `${route.method} ${route.path} as ${role}`).toEqual({ status: 403, code: 'KH-AGENT-012' });
      }
      expect(await call(a.url, route.method, route.path, undefined)).toEqual({ status: 401, code: 'KH-AGENT-010' });
      expect(await call(a.url, route.method, route.path, 'unknown-token-0123456789')).toEqual({ status: 401, code: 'KH-AGENT-010' });
    }
    // The cluster token is the admin credential `cluster`.
    expect((await call(a.url, 'GET', '/v1/hosts', TOKEN)).status).toBe(200);
    // Unknown paths are not probed without a credential.
    expect((await call(a.url, 'GET', '/v1/secret', undefined)).status).toBe(401);
    expect((await call(a.url, 'GET', '/v1/secret', TOKENS.viewer)).status).toBe(404);

    // Sync needs a peer identity: peer or admin.
    for (const role of ROLES) expect(await syncOutcome(a.url, TOKENS[role]), role).toBe(roleGrants(role, 'sync') ? 'open' : '403');
    expect(await syncOutcome(a.url, undefined)).toBe('401');
    expect(table.length).toBe(ROUTE_PERMISSIONS.length * ROLES.length);
  });

  it('a credentials file with a group-readable mode, bad JSON or an unknown role refuses to start (coded)', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = h.tmp();
    const file = join(dir, 'credentials.json');
    const good = JSON.stringify({ credentials: [{ name: 'ci', role: 'operator', sha256: tokenDigest(TOKENS.operator) }] });
    writeFileSync(file, good, { mode: 0o640 });
    await expect(h.start('alpha', { token: undefined, credentials: file })).rejects.toMatchObject({ code: 'KH-FILE-PERMS' });
    writeFileSync(join(dir, 'bad.json'), '{"credentials": [{"name": "x", "role": "root", "sha256": "00"}]}', { mode: 0o600 });
    await expect(h.start('alpha', { token: undefined, credentials: join(dir, 'bad.json') })).rejects.toMatchObject({ code: 'KH-AGENT-004', message: expect.stringContaining('role') });
    writeFileSync(join(dir, 'garbage.json'), '{{{', { mode: 0o600 });
    await expect(h.start('alpha', { token: undefined, credentials: join(dir, 'garbage.json') })).rejects.toMatchObject({ code: 'KH-AGENT-004' });
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, good, { mode: 0o600 });
    const a = await h.start('alpha', { token: undefined, credentials: ok });
    expect((await call(a.url, 'GET', '/v1/hosts', TOKENS.operator)).status).toBe(200);
    expect((await call(a.url, 'GET', '/v1/hosts', TOKEN)).status).toBe(401);
  });
});

describe('khutulun credential add', () => {
  const h = harness();
  afterEach(() => h.close());

  it('writes a hashed credential the agent then accepts with that role, and the token only to the owner', async () => {
    const { readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { main } = await import('../../../cli/main.js');
    const dir = h.tmp();
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, env: { HOME: '/nonexistent' }, cwd: dir };
    expect(await main(['credential', 'add', 'ci', '--role', 'viewer', '--file', 'creds.json', '--token-out', 'ci.token'], io)).toBe(0);
    expect(await main(['credential', 'add', 'ops', '--role', 'operator', '--file', 'creds.json'], io)).toBe(0);
    expect(await main(['credential', 'add', 'x', '--role', 'root', '--file', 'creds.json'], io)).toBe(2);
    const opsToken = out.trim();
    const ciToken = readFileSync(join(dir, 'ci.token'), 'utf8').trim();
    expect(statSync(join(dir, 'creds.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ci.token')).mode & 0o777).toBe(0o600);
    const stored = readFileSync(join(dir, 'creds.json'), 'utf8');
    expect(stored).not.toContain(ciToken);
    expect(stored).not.toContain(opsToken);
    const state = join(dir, 'state');
    const a = await h.start('alpha', { credentials: join(dir, 'creds.json'), stateDir: state, engine: testEngine({ stateDir: state }).engine });
    expect((await call(a.url, 'GET', '/v1/deployments', ciToken)).status).toBe(200);
    expect(await call(a.url, 'DELETE', '/v1/deployments/x', ciToken)).toEqual({ status: 403, code: 'KH-AGENT-012' });
    expect((await call(a.url, 'DELETE', '/v1/deployments/x', opsToken)).status).toBe(404);
  });
});
