/**
 * Day 2 through the HTTP API on the production engine (noop runtime, fake plugin functions):
 * plan predicts exactly what update applies; update reconfigures the changed node and what requires
 * it, in dependency order; scale adds and removes instances (removed ones stopped, then gone from
 * the document); undeploy without --force refuses to forget what it cannot stop, --force does and
 * reports it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentPlan, DeploymentStatus, DeployResult, UndeployResult } from '../../../agent/index.js';
import { eventually, harness, TOKEN } from './helpers.js';
import { GREETER_APP, testEngine } from './test-engine.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
type Json = any;

async function api(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url + path, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const APP = GREETER_APP;

async function converged(url: string, name: string): Promise<DeploymentStatus> {
  return eventually(async () => {
    const s = (await api(url, `/v1/deployments/${name}`)).body as DeploymentStatus;
    return s.state === 'deployed' ? s : undefined;
  }, 20_000, `${name} deployed`);
}

describe('Day 2 through the API, on the production engine', () => {
  const h = harness();
  afterEach(() => h.close());

  it('plan predicts the update; update reconfigures in dependency order; the same deploy is unchanged', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    expect((await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello') }) })).status).toBe(201);
    await converged(a.url, 'web');
    expect(t.calls).toEqual(['start web/db', 'start web/app', 'start web/worker']);

    const plan = (await api(a.url, '/v1/deployments/web/plan', { method: 'POST', body: JSON.stringify({ source: APP('hello'), inputs: { greeting: 'bonjour' } }) })).body as DeploymentPlan;
    expect(plan.changes.map((c) => [c.action, c.node])).toEqual([
      ['update', 'nodes/app'],
      ['reconfigure', 'nodes/worker'],
    ]);
    expect(plan.changes[0]!.properties).toEqual([{ name: 'greeting', from: '"hello"', to: '"bonjour"' }]);
    expect(plan.service).toEqual([{ name: 'input:greeting', from: '"hello"', to: '"bonjour"' }]);
    // Nothing was written by the plan.
    expect(t.calls).toHaveLength(3);

    const before = t.calls.length;
    const up = await api(a.url, '/v1/deployments/web', { method: 'PUT', body: JSON.stringify({ source: APP('hello'), inputs: { greeting: 'bonjour' } }) });
    expect(up.status).toBe(200);
    expect((up.body as DeployResult).action).toBe('updated');
    expect((up.body as DeployResult).plan).toEqual(plan);
    const s = await converged(a.url, 'web');
    expect(s.generation).toBe(2);
    expect(s.nodes.find((n) => n.id === 'nodes/app')).toMatchObject({ generation: 2, desiredGeneration: 2 });
    expect(s.nodes.find((n) => n.id === 'nodes/db')).toMatchObject({ generation: 1, desiredGeneration: 1 });
    // The changed node, then what requires it; the db (unchanged, required by app) is untouched.
    expect(t.calls.slice(before)).toEqual(['start web/app', 'start web/worker']);
    const spec = (await t.noop.list()).find((w) => w.id === 'web/nodes/app');
    expect(spec).toBeDefined();

    const same = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello'), inputs: { greeting: 'bonjour' } }) });
    expect(same.status).toBe(200);
    expect((same.body as DeployResult).action).toBe('unchanged');
    expect((same.body as DeployResult).plan?.empty).toBe(true);
    // A misspelled input is refused for an existing deployment too (it is compiled every time).
    const typo = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello'), inputs: { greting: 'x' } }) });
    expect(typo.status).toBe(422);
  });

  it('scales a node up and down: new instances start after what they require, removed ones stop and leave the document', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello') }) });
    await converged(a.url, 'web');
    const up = await api(a.url, '/v1/deployments/web/scale', { method: 'POST', body: JSON.stringify({ node: 'worker', count: 3 }) });
    expect(up.status).toBe(200);
    expect((up.body as DeployResult).plan!.changes.map((c) => [c.action, c.node])).toEqual([
      ['create', 'nodes/worker-1'],
      ['create', 'nodes/worker-2'],
    ]);
    let s = await converged(a.url, 'web');
    expect(s.nodes.map((n) => n.id)).toEqual(['nodes/app', 'nodes/db', 'nodes/worker', 'nodes/worker-1', 'nodes/worker-2']);
    expect((await t.noop.list()).map((w) => w.id).sort()).toEqual(['web/nodes/app', 'web/nodes/db', 'web/nodes/worker', 'web/nodes/worker-1', 'web/nodes/worker-2']);

    const down = await api(a.url, '/v1/deployments/web/scale', { method: 'POST', body: JSON.stringify({ node: 'worker', count: 1 }) });
    expect((down.body as DeployResult).plan!.changes.map((c) => [c.action, c.node])).toEqual([
      ['delete', 'nodes/worker-2'],
      ['delete', 'nodes/worker-1'],
    ]);
    s = await eventually(async () => {
      const r = (await api(a.url, '/v1/deployments/web')).body as DeploymentStatus;
      return r.state === 'deployed' && r.nodes.length === 3 ? r : undefined;
    }, 20_000, 'scaled down');
    expect(s.nodes.map((n) => n.id)).toEqual(['nodes/app', 'nodes/db', 'nodes/worker']);
    expect((await t.noop.list()).map((w) => w.id).sort()).toEqual(['web/nodes/app', 'web/nodes/db', 'web/nodes/worker']);
    // A count the placement policies cannot meet is refused before anything is written.
    const apart = APP('hello').replace('  node_templates:', '  policies:\n    - apart: { type: Separation, targets: [ worker ] }\n  node_templates:');
    const fresh = await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'apart', source: apart }) });
    expect(fresh.status).toBe(201);
    await converged(a.url, 'apart');
    const refused = await api(a.url, '/v1/deployments/apart/scale', { method: 'POST', body: JSON.stringify({ node: 'worker', count: 2 }) });
    expect(refused.body.error.code).toBe('KH-AGENT-PLACEMENT');
    const still = (await api(a.url, '/v1/deployments/apart')).body as DeploymentStatus;
    expect(still.nodes.map((n) => n.id)).toEqual(['nodes/app', 'nodes/db', 'nodes/worker']);
    expect(still.generation).toBe(1);
    // Bad requests are coded.
    expect((await api(a.url, '/v1/deployments/web/scale', { method: 'POST', body: JSON.stringify({ node: 'nosuch', count: 2 }) })).body.error.code).toBe('KH-AGENT-NO-NODE');
    expect((await api(a.url, '/v1/deployments/web/scale', { method: 'POST', body: JSON.stringify({ node: 'worker', count: -1 }) })).body.error.code).toBe('KH-AGENT-BAD-COUNT');
  });

  it('undeploy refuses to forget nodes it could not stop; --force removes the record and reports them', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir, forceTimeoutMs: 2000 });
    t.stopFailsOn.add('db');
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello') }) });
    await converged(a.url, 'web');
    const refused = await api(a.url, '/v1/deployments/web', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('KH-AGENT-UNDEPLOY');
    expect(refused.body.error.hint).toContain('--force');
    expect((await api(a.url, '/v1/deployments/web')).status).toBe(200);
    const forced = await api(a.url, '/v1/deployments/web?force=1', { method: 'DELETE' });
    expect(forced.status).toBe(200);
    const r = forced.body as UndeployResult;
    expect(r.state).toBe('undeployed');
    expect(r.leftBehind?.map((n) => n.id)).toEqual(['nodes/db']);
    expect((await api(a.url, '/v1/deployments/web')).status).toBe(404);
    // What this host ran is gone from its runtime all the same.
    expect(await t.noop.list()).toEqual([]);
  });
});
