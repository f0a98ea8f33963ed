/**
 * The reconciler as users drive it, property-tested in the style of Nomad's reconciler tests, on
 * the production engine (noop runtime with a journal, so workloads outlive restarts): random
 * Day-2 requests (update a property, scale, undeploy and deploy again) at random moments (waiting
 * for convergence or not), with random workload crashes and engine restarts in between. After
 * quiescence the runtime holds exactly the desired instances with the desired spec, and at every
 * start of a workload what it requires was running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agent, DeploymentStatus } from '../../../agent/index.js';
import { api, eventually, harness } from './helpers.js';
import { GREETER_APP, testEngine } from './test-engine.js';
import type { TestEngine } from './test-engine.js';

const APP = GREETER_APP;

type Action = { kind: 'update'; greeting: string } | { kind: 'scale'; count: number } | { kind: 'restart' } | { kind: 'crash'; node: string } | { kind: 'redeploy' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('update' as const), greeting: fc.constantFrom('hello', 'bonjour', 'hola') }),
  fc.record({ kind: fc.constant('scale' as const), count: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'restart' as const }),
  fc.record({ kind: fc.constant('crash' as const), node: fc.constantFrom('db', 'app', 'worker') }),
  fc.constant({ kind: 'redeploy' as const }),
);


function workerIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'web/nodes/worker' : `web/nodes/worker-${i}`));
}

describe('the reconciler under random requests, crashes and restarts', () => {
  const h = harness();
  const dirs: string[] = [];
  afterAll(async () => {
    await h.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('ends with exactly the desired instances and specs, started in dependency order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(action, fc.boolean()), { minLength: 2, maxLength: 5 }), async (steps) => {
        const dir = mkdtempSync(join(tmpdir(), 'kh-reconcile-prop-'));
        dirs.push(dir);
        const journal = join(dir, 'noop.jsonl');
        let t: TestEngine = testEngine({ stateDir: dir, journal });
        let agent: Agent = await h.start('alpha', { stateDir: dir, engine: t.engine });
        const desired = { greeting: 'hello', count: 1 };
        const converged = (): Promise<DeploymentStatus> =>
          eventually(async () => {
            const s = (await api(agent.url, '/v1/deployments/web')).body as DeploymentStatus;
            return s?.state === 'deployed' && s.nodes.length === 2 + desired.count && s.nodes.every((n) => (n.generation ?? 0) >= (n.desiredGeneration ?? 0)) ? s : undefined;
          }, 30_000, `web converged (${JSON.stringify(desired)})`);
        expect((await api(agent.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello', 1) }) })).status).toBe(201);
        await converged();
        for (const [a, wait] of steps) {
          switch (a.kind) {
            case 'update': {
              const r = await api(agent.url, '/v1/deployments/web', { method: 'PUT', body: JSON.stringify({ source: APP('hello', desired.count), inputs: { greeting: a.greeting } }) });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              desired.greeting = a.greeting;
              break;
            }
            case 'scale': {
              const r = await api(agent.url, '/v1/deployments/web/scale', { method: 'POST', body: JSON.stringify({ node: 'worker', count: a.count }) });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              desired.count = a.count;
              break;
            }
            case 'restart':
              await agent.close();
              t = testEngine({ stateDir: dir, journal });
              agent = await h.start('alpha', { stateDir: dir, engine: t.engine });
              break;
            case 'crash':
              t.noop.simulateExit(a.node === 'worker' ? 'web/nodes/worker' : `web/nodes/${a.node}`, 'failed', 1);
              break;
            case 'redeploy': {
              await converged(); // undeploy of a deployment mid-update is its own test (day2-api)
              expect((await api(agent.url, '/v1/deployments/web', { method: 'DELETE' })).status).toBe(200);
              const r = await api(agent.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'web', source: APP('hello', desired.count), inputs: { greeting: desired.greeting } }) });
              expect(r.status, JSON.stringify(r.body)).toBe(201);
              break;
            }
          }
          if (wait) await converged();
        }
        await converged();
        // Exactly the desired workloads run, with the desired spec.
        const live = (await t.noop.list()).filter((w) => w.state === 'running').map((w) => w.id).sort();
        expect(live).toEqual(['web/nodes/app', 'web/nodes/db', ...workerIds(desired.count)].sort());
        const appSpec = [...t.noop.entries].reverse().find((e) => e.action === 'ensure' && e.workload === 'web/nodes/app')?.spec as { properties?: { greeting?: string } } | undefined;
        expect(appSpec?.properties?.greeting).toBe(desired.greeting);
        // Dependency order at every start: db before app, app before every worker.
        const running = new Set<string>();
        for (const e of t.noop.entries) {
          if (e.action === 'remove') running.delete(e.workload);
          else {
            if (e.workload === 'web/nodes/app') expect(running.has('web/nodes/db'), 'db ran before app').toBe(true);
            if (e.workload.startsWith('web/nodes/worker')) expect(running.has('web/nodes/app'), `app ran before ${e.workload}`).toBe(true);
            running.add(e.workload);
          }
        }
        await agent.close();
      }),
      { numRuns: 4, endOnFailure: true },
    );
  }, 300_000);
});
