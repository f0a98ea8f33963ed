/**
 * `run` through the HTTP API on the production engine (noop runtime, plain-function plugins): an
 * interface operation runs on the owner of each target node with the caller's inputs, its effects
 * land in the document and come back as the result; a failing operation is a failed result with
 * its error; lifecycle operations and unknown names are refused before anything runs; a TOSCA
 * workflow runs its steps in on_success/on_failure order, skipping what was not chosen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import type { DeploymentStatus } from '../../../agent/index.js';
import { api, eventually, harness } from './helpers.js';
import { testEngine } from './test-engine.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
type Json = any;

const APP = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
interface_types:
  Maintenance:
    operations:
      backup:
        inputs:
          label: { type: string, required: false }
      check: {}
node_types:
  Db:
    derived_from: Root
    interfaces:
      Maintenance:
        type: Maintenance
        operations:
          backup: { implementation: { primary: { type: PluginFunction, file: "acme.ops:backup" } } }
          check: { implementation: { primary: { type: PluginFunction, file: "acme.ops:check" } } }
service_template:
  node_templates:
    db:
      type: Db
      count: 2
    web:
      type: Root
      requirements:
        - dependency: db
  workflows:
    nightly:
      inputs:
        target: { type: string, default: /backups }
      steps:
        check:
          target: db
          activities:
            - call_operation: Maintenance.check
          on_success: [ backup ]
          on_failure: [ mark ]
        backup:
          target: db
          activities:
            - call_operation: { operation: Maintenance.backup, inputs: { label: nightly } }
            - set_state: backed-up
        mark:
          target: db
          activities:
            - set_state: unhealthy
`;

async function deployed(url: string, name: string): Promise<DeploymentStatus> {
  return eventually(async () => {
    const s = (await api(url, `/v1/deployments/${name}`)).body as DeploymentStatus;
    return s.state === 'deployed' ? s : undefined;
  }, 20_000, `${name} deployed`);
}

describe('run: operations and workflows through the owners', () => {
  const h = harness();
  afterEach(() => h.close());

  it('runs an operation on every instance with the inputs; effects come back; failures and bad names are coded', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    const seen: string[] = [];
    let checkFails = false;
    t.plugins.define('acme.ops', {
      backup: (event, v) => {
        const inputs = (event.payload as { inputs?: Record<string, unknown> } | undefined)?.inputs ?? {};
        seen.push(`backup ${v.id} ${JSON.stringify(inputs)}`);
        return [{ type: 'set-property', property: 'last_backup', value: `${String(inputs['target'] ?? '')}#${String(inputs['label'] ?? '')}` }];
      },
      check: (_event, v) => {
        seen.push(`check ${v.id}`);
        if (checkFails) throw new KhutulunError('KH-TEST-CHECK', `check failed on ${v.id}`, { hint: 'the test made it fail' });
        return [];
      },
    });
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    expect((await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'app', source: APP }) })).status).toBe(201);
    await deployed(a.url, 'app');

    // One operation on every instance of a template, with the caller's inputs.
    const r = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ node: 'db', operation: 'Maintenance.backup', inputs: { target: '/tmp/x' } }) });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.results.map((x: Json) => [x.node, x.ok, x.changed])).toEqual([
      ['db', true, { last_backup: '/tmp/x#' }],
      ['db-1', true, { last_backup: '/tmp/x#' }],
    ]);
    expect(r.body.results[0].host).toBe(a.hostId);
    expect(seen.sort()).toEqual(['backup nodes/db {"target":"/tmp/x"}', 'backup nodes/db-1 {"target":"/tmp/x"}']);
    // The request and outcome keys are cleared once read.
    const raw = await api(a.url, '/v1/deployments/app');
    expect(JSON.stringify(raw.body)).not.toContain('khutulun:run');

    // One node by id.
    seen.length = 0;
    const one = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ node: 'db-1', operation: 'Maintenance.check' }) });
    expect(one.body.results.map((x: Json) => x.node)).toEqual(['db-1']);
    expect(seen).toEqual(['check nodes/db-1']);

    // A failure is a failed result (422) with the plugin's error; the other instance still ran.
    checkFails = true;
    const bad = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ operation: 'Maintenance.check' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.error.code).toBe('KH-RUN-FAILED');
    expect(bad.body.results.map((x: Json) => x.error?.code)).toEqual(['KH-TEST-CHECK', 'KH-TEST-CHECK']);

    // Refused before anything runs.
    seen.length = 0;
    const lifecycle = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ node: 'db', operation: 'Standard.start' }) });
    expect([lifecycle.status, lifecycle.body.error.code]).toEqual([422, 'KH-RUN-LIFECYCLE']);
    const unknownOp = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ node: 'web', operation: 'Maintenance.backup' }) });
    expect(unknownOp.body.error.code).toBe('KH-RUN-UNKNOWN');
    const unknownNode = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ node: 'nosuch', operation: 'Maintenance.backup' }) });
    expect(unknownNode.body.error.code).toBe('KH-RUN-UNKNOWN');
    expect(unknownNode.body.error.hint).toContain('db-1');
    const both = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ operation: 'Maintenance.backup', workflow: 'nightly' }) });
    expect([both.status, both.body.error.code]).toEqual([400, 'KH-AGENT-022']);
    expect(seen).toEqual([]);
  }, 60_000);

  it('runs a workflow: on_success and on_failure choose the next steps, set_state is written by the owner', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    const seen: string[] = [];
    let checkFails = false;
    t.plugins.define('acme.ops', {
      backup: (event, v) => {
        const inputs = (event.payload as { inputs?: Record<string, unknown> } | undefined)?.inputs ?? {};
        seen.push(`backup ${v.id}`);
        return [{ type: 'set-property', property: 'last_backup', value: `${String(inputs['target'])}#${String(inputs['label'])}` }];
      },
      check: (_event, v) => {
        seen.push(`check ${v.id}`);
        if (checkFails) throw new KhutulunError('KH-TEST-CHECK', 'unhealthy', {});
        return [];
      },
    });
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    await api(a.url, '/v1/deployments', { method: 'POST', body: JSON.stringify({ name: 'app', source: APP }) });
    await deployed(a.url, 'app');

    const ok = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ workflow: 'nightly' }) });
    expect(ok.status).toBe(200);
    expect(ok.body.steps).toEqual([
      { name: 'check', state: 'succeeded' },
      { name: 'backup', state: 'succeeded' },
      { name: 'mark', state: 'skipped' },
    ]);
    // check (both instances) strictly before backup; the default input and the activity's input both arrive.
    expect(seen.slice(0, 2).every((s) => s.startsWith('check'))).toBe(true);
    expect(seen.slice(2).every((s) => s.startsWith('backup'))).toBe(true);
    expect(ok.body.results.filter((x: Json) => x.operation === 'Maintenance.backup').map((x: Json) => x.changed.last_backup)).toEqual(['/backups#nightly', '/backups#nightly']);
    expect(ok.body.results.filter((x: Json) => x.operation === 'khutulun:set_state').map((x: Json) => x.changed.state)).toEqual(['backed-up', 'backed-up']);

    // The failure path: check fails -> mark runs (the workflow handled it), backup is skipped.
    checkFails = true;
    seen.length = 0;
    const handled = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ workflow: 'nightly', inputs: { target: '/other' } }) });
    expect(handled.body.steps.map((s: Json) => s.state)).toEqual(['failed', 'skipped', 'succeeded']);
    expect(handled.body.ok).toBe(true);
    expect(seen.some((s) => s.startsWith('backup'))).toBe(false);

    // Unknown inputs and workflows are refused, with what exists.
    const badInput = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ workflow: 'nightly', inputs: { tagret: 'x' } }) });
    expect([badInput.body.error.code, badInput.body.error.hint]).toEqual(['KH-RUN-UNKNOWN', 'its inputs: target']);
    const badWf = await api(a.url, '/v1/deployments/app/run', { method: 'POST', body: JSON.stringify({ workflow: 'weekly' }) });
    expect(badWf.body.error.hint).toBe('its workflows: nightly');
  }, 60_000);
});
