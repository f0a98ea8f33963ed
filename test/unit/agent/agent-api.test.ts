import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, harness, TOKEN, until } from './helpers.js';
import { testEngine, WEB_APP } from './test-engine.js';
import type { DeploymentStatus } from '../../../agent/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
type Json = any;

async function api(url: string, path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(url + path, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function wsOutcome(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

describe('agent HTTP API', () => {
  const h = harness();
  afterEach(() => h.close());

  it('refuses calls without the token (401, coded error body) and admits the right token', async () => {
    const a = await h.start('alpha');
    const none = await api(a.url, '/v1/hosts', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'KH-AGENT-010', retryable: false });
    expect(none.body.error.hint).toContain('--token-file');
    expect((await api(a.url, '/v1/hosts', { token: 'not-the-token-at-all' })).status).toBe(401);
    const ok = await api(a.url, '/v1/hosts');
    expect(ok.status).toBe(200);
    expect(ok.body[0]).toMatchObject({ name: 'alpha', connected: true });
    expect((await api(a.url, '/healthz', { token: null })).status).toBe(200);
  });

  it('refuses sync WebSockets without the right token, accepts with it', async () => {
    const a = await h.start('alpha');
    const ws = a.url.replace('http', 'ws');
    expect(await wsOutcome(`${ws}/sync`)).toBe('http 401');
    expect(await wsOutcome(`${ws}/sync?token=wrong-token-123456`)).toBe('http 401');
    expect(await wsOutcome(`${ws}/other?token=${TOKEN}`)).toBe('http 404');
    expect(await wsOutcome(`${ws}/sync?token=${TOKEN}`)).toBe('open');
  });

  it('maps bad requests to coded errors with proper statuses', async () => {
    const dir = h.tmp();
    const a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    expect((await api(a.url, '/v1/nope')).body.error.code).toBe('KH-AGENT-020');
    expect((await api(a.url, '/v1/hosts', { method: 'POST' })).status).toBe(405);
    const bad = await fetch(a.url + '/v1/deployments', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.code).toBe('KH-AGENT-022');
    expect((await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'x' }) })).status).toBe(400);
    const badName = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'Bad Name', source: WEB_APP }) });
    expect(badName.status).toBe(400);
    expect(badName.body.error.code).toBe('KH-AGENT-034');
    const missing = await api(a.url, '/v1/deployments/ghost');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('KH-AGENT-030');
  });

  it('refuses a template that is not deployable with the compiler problems (422), and records nothing', async () => {
    const dir = h.tmp();
    const a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    const r = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP.replace('type: Root\n    app', 'type: NoSuchType\n    app') }) });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('KH-AGENT-INVALID');
    expect((await api(a.url, '/v1/deployments')).body).toEqual([]);
  });

  it('deploys in dependency waves, reports status and outputs, undeploys in reverse order', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    const created = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP, inputs: { port: 8080 } }) });
    expect(created.status).toBe(201);
    expect(created.body.action).toBe('created');
    const s = await eventually(async () => {
      const r = (await api(a.url, '/v1/deployments/web')).body as DeploymentStatus;
      return r.state === 'deployed' ? r : undefined;
    }, 15_000, 'deployed');
    expect(t.calls).toEqual(['start web/db', 'start web/app', 'start web/proxy']);
    expect(s.nodes.map((n) => [n.id, n.host, n.state])).toEqual([
      ['nodes/app', 'alpha', 'started'],
      ['nodes/db', 'alpha', 'started'],
      ['nodes/proxy', 'alpha', 'started'],
    ]);
    expect((await api(a.url, '/v1/deployments/web/outputs')).body).toEqual({ url: 'http://127.0.0.1:8080/' });
    // The same name again with the same template and inputs: an update that changes nothing.
    const again = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP, inputs: { port: 8080 } }) });
    expect(again.status).toBe(200);
    expect(again.body.action).toBe('unchanged');
    const gone = await api(a.url, '/v1/deployments/web', { method: 'DELETE' });
    expect(gone.status).toBe(200);
    expect(gone.body.state).toBe('undeployed');
    expect(t.calls.slice(3)).toEqual(['stop web/proxy', 'stop web/app', 'stop web/db']);
    expect((await api(a.url, '/v1/deployments/web')).status).toBe(404);
  });

  it('a failing node fails the deployment and stops later waves', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    t.failOn.add('app');
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP }) });
    const s = await eventually(async () => {
      const r = (await api(a.url, '/v1/deployments/web')).body as DeploymentStatus;
      return r.state === 'failed' ? r : undefined;
    }, 15_000, 'failed');
    expect(s.nodes.find((n) => n.id === 'nodes/app')).toMatchObject({ state: 'error', message: expect.stringContaining('boom in app') });
    expect(s.nodes.find((n) => n.id === 'nodes/proxy')?.state).toBe('initial');
    expect(t.calls).not.toContain('start web/proxy');
  });

  it('streams actor transitions as server-sent events', async () => {
    const dir = h.tmp();
    const a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    const controller = new AbortController();
    const res = await fetch(a.url + '/v1/events', { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
        if (text.includes('deployment.deployed')) return;
      }
    })();
    await until(undefined, () => a.events.subscribers > 0, 5000, 'subscriber');
    await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP }) });
    await reading;
    controller.abort();
    const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    const db = events.filter((e) => e.type === 'node.transition' && e.node === 'nodes/db').map((e) => e.to);
    expect(db[0]).toBe('creating');
    expect(db.at(-1)).toBe('started');
    expect(db.indexOf('configuring')).toBeLessThan(db.indexOf('starting'));
  });

  it('a deployment made on one host is visible (status, outputs) from another host', async () => {
    const dir = h.tmp();
    const a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    const b = await h.start('beta', { peers: [a.address], engine: testEngine().engine });
    await until(b.cluster, () => Object.keys(b.cluster.doc().hosts).length === 2, 10_000, 'membership');
    await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: WEB_APP }) });
    await until(b.cluster, () => b.cluster.doc().deployments['web'] !== undefined, 10_000, 'index to sync');
    // B fetches the deployment document on demand (it has no role, so nothing was pushed to it).
    const s = await eventually(async () => {
      const r = await api(b.url, '/v1/deployments/web');
      return r.status === 200 && r.body.state === 'deployed' ? (r.body as DeploymentStatus) : undefined;
    }, 10_000, 'status via beta');
    // The scheduler placed the nodes over both hosts; beta answers with the same owners as alpha.
    expect(s.nodes.every((n) => n.host === 'alpha' || n.host === 'beta')).toBe(true);
    const fromA = (await api(a.url, '/v1/deployments/web')).body as DeploymentStatus;
    expect(s.nodes.map((n) => [n.id, n.host])).toEqual(fromA.nodes.map((n) => [n.id, n.host]));
    expect((await api(b.url, '/v1/deployments/web/outputs')).body).toEqual({ url: 'http://127.0.0.1:8080/' });
  });

});
