/**
 * The live page's server side on the production engine: the one-time login code becomes an
 * HttpOnly SameSite=Strict session cookie exactly once and only before it expires; the cookie
 * reads the API with the role of the credential that asked for the link; state-changing calls
 * with a cookie need the session's CSRF header and the agent's own Origin; the graph and the
 * history routes answer what the page draws (nodes, relationships, old -> new values, generation),
 * and history outlives undeploy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/index.js';
import { tokenDigest } from '../../../agent/auth.js';
import type { DeploymentStatus } from '../../../agent/index.js';
import { eventually, harness, TOKEN } from './helpers.js';
import { WEB_APP, testEngine } from './test-engine.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
type Json = any;

async function call(url: string, path: string, init: RequestInit & { cookie?: string; token?: string } = {}): Promise<{ status: number; headers: Headers; body: Json; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) };
  if (init.cookie) headers['cookie'] = init.cookie;
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const res = await fetch(url + path, { ...init, headers, redirect: 'manual' });
  const text = await res.text();
  let body: Json;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Follows a login link by hand: the session cookie (name=value) it sets. */
async function login(link: string): Promise<string> {
  const res = await fetch(link, { redirect: 'manual' });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/');
  const set = res.headers.get('set-cookie') ?? '';
  expect(set).toMatch(/HttpOnly/);
  expect(set).toMatch(/SameSite=Strict/);
  return set.split(';')[0]!;
}

describe('live page: login link, cookie session, CSRF', () => {
  const h = harness();
  afterEach(() => h.close());

  it('a code works once, the cookie reads the API, writes need the CSRF header and our Origin', async () => {
    const agent = await h.start('ui-1', { stateDir: h.tmp() });
    const anon = await call(agent.url, '/');
    expect(anon.status).toBe(401);
    expect(anon.text).toContain('khutulun ui');
    expect((await call(agent.url, '/v1/deployments')).status).toBe(401);

    const link = agent.loginLink();
    expect(link.url).toMatch(new RegExp(`^${agent.url}/login\\?code=[0-9a-f]{64}$`));
    expect(link.url).not.toContain(TOKEN);
    const cookie = await login(link.url);
    // Once only.
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(401);

    const page = await call(agent.url, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('/ui/app.js');
    expect((await call(agent.url, '/ui/app.js', { cookie })).status).toBe(200);
    const session = await call(agent.url, '/v1/session', { cookie });
    expect(session.body).toMatchObject({ credential: 'cluster', role: 'admin' });
    expect(session.body.csrf).toMatch(/^[0-9a-f]{32}$/);
    expect((await call(agent.url, '/v1/deployments', { cookie })).status).toBe(200);
    expect((await call(agent.url, '/v1/deployments', { cookie: 'khutulun_session_1=forged' })).status).toBe(401);

    const origin = agent.url;
    const deploy = { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP }) };
    const noCsrf = await call(agent.url, '/v1/deployments', { ...deploy, cookie, headers: { origin } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('KH-AGENT-081');
    const foreign = await call(agent.url, '/v1/deployments', { ...deploy, cookie, headers: { origin: 'http://evil.example', 'x-khutulun-csrf': session.body.csrf } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('KH-AGENT-011');
    const ok = await call(agent.url, '/v1/deployments', { ...deploy, cookie, headers: { origin, 'x-khutulun-csrf': session.body.csrf } });
    expect(ok.status).toBe(201);

    // Logging out ends the session.
    expect((await call(agent.url, '/logout', { method: 'POST', cookie, headers: { origin, 'x-khutulun-csrf': session.body.csrf } })).status).toBe(204);
    expect((await call(agent.url, '/v1/deployments', { cookie })).status).toBe(401);
  });

  it('codes expire; a viewer link gives a read-only session; a cookie cannot mint links', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const viewer = 'viewer-token-0123456789abcdef';
    const agent = await h.start('ui-2', { clock, credentials: [{ name: 'ops', role: 'viewer', sha256: tokenDigest(viewer) }] });
    const stale = agent.loginLink();
    clock.advance(11 * 60_000);
    expect((await fetch(stale.url, { redirect: 'manual' })).status).toBe(401);

    const minted = await call(agent.url, '/v1/ui/login', { method: 'POST', token: viewer });
    expect(minted.status).toBe(201);
    const cookie = await login(minted.body.url);
    const session = await call(agent.url, '/v1/session', { cookie });
    expect(session.body).toMatchObject({ credential: 'ops', role: 'viewer' });
    const write = await call(agent.url, '/v1/deployments', { method: 'POST', cookie, body: JSON.stringify({ name: 'x', source: WEB_APP }), headers: { 'x-khutulun-csrf': session.body.csrf } });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('KH-AGENT-012');
    const again = await call(agent.url, '/v1/ui/login', { method: 'POST', cookie, headers: { 'x-khutulun-csrf': session.body.csrf } });
    expect(again.status).toBe(401);
  });
});

describe('graph and history routes, on the production engine', () => {
  const h = harness();
  afterEach(() => h.close());

  it('graph has nodes, relationships and hosts; history has old -> new values and generations, and outlives undeploy', async () => {
    const stateDir = h.tmp();
    const agent = await h.start('hist-1', { stateDir, engine: testEngine({ stateDir }).engine });
    const token = TOKEN;
    expect((await call(agent.url, '/v1/deployments', { method: 'POST', token, body: JSON.stringify({ name: 'web', source: WEB_APP }) })).status).toBe(201);
    await eventually(async () => ((await call(agent.url, '/v1/deployments/web', { token })).body as DeploymentStatus).state === 'deployed' || undefined, 20_000, 'deployed');

    const graph = (await call(agent.url, '/v1/deployments/web/graph', { token })).body;
    expect(graph.nodes.map((n: Json) => n.template).sort()).toEqual(['app', 'db', 'proxy']);
    expect(graph.nodes.every((n: Json) => n.state === 'started' && n.host === 'hist-1')).toBe(true);
    const byId = new Map<string, string>(graph.nodes.map((n: Json) => [n.id, n.template]));
    expect(graph.edges.map((e: Json) => `${byId.get(e.source)}->${byId.get(e.target)}:${e.requirement}`).sort()).toEqual(['app->db:dependency', 'proxy->app:dependency']);

    // An update with a new input: a new generation.
    const update = await call(agent.url, '/v1/deployments/web', { method: 'PUT', token, body: JSON.stringify({ source: WEB_APP, inputs: { port: 9090 } }) });
    expect(update.status).toBe(200);
    await eventually(async () => ((await call(agent.url, '/v1/deployments/web', { token })).body as DeploymentStatus).state === 'deployed' || undefined, 20_000, 'updated');

    const history = (await call(agent.url, '/v1/deployments/web/history?node=db', { token })).body as Json[];
    expect(history.length).toBeGreaterThan(2);
    expect(history.every((r) => r.node.endsWith('db') && r.host === 'hist-1' && typeof r.at === 'number')).toBe(true);
    const states = history.flatMap((r) => r.changes.filter((c: Json) => c.field === 'status').map((c: Json) => `${r.generation}:${c.old ?? ''}>${c.new}`));
    expect(states).toContain('1:starting>started');
    expect(history[0].generation).toBe(1);
    expect(Math.max(...history.map((r) => r.generation))).toBeLessThanOrEqual(2);

    // Since: nothing after the future.
    expect((await call(agent.url, `/v1/deployments/web/history?since=${Date.now() + 3600_000}`, { token })).body).toEqual([]);
    expect((await call(agent.url, '/v1/deployments/web/history?since=yesterday', { token })).status).toBe(400);

    expect((await call(agent.url, '/v1/deployments/web', { method: 'DELETE', token })).status).toBe(200);
    expect((await call(agent.url, '/v1/deployments/web', { token })).status).toBe(404);
    const archived = (await call(agent.url, '/v1/deployments/web/history?node=db', { token })).body as Json[];
    expect(archived.length).toBeGreaterThan(history.length);
    expect(archived.flatMap((r) => r.changes.map((c: Json) => c.new))).toContain('deleted');
    expect((await call(agent.url, '/v1/deployments/never/history', { token })).status).toBe(404);
  });
});
