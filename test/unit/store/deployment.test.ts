import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as A from '@automerge/automerge';
import { KhutulunError, ManualClock, seededRandom } from '../../../common/index.js';
import { call, openStore, parseEntityId } from '../../../store/index.js';
import type { ChangeEvent, Deployment, Store } from '../../../store/index.js';
import type { DeploymentImpl } from '../../../store/deployment.js';

let store: Store;
let dep: Deployment;
const clock = new ManualClock(1_700_000_000_000);

beforeEach(async () => {
  store = await openStore({ hostId: 'h1', clock, random: seededRandom(7) });
  dep = await store.createDeployment('shop');
});
afterEach(async () => {
  await store.close();
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    return (e as KhutulunError).code;
  }
  return undefined;
}

function changes(d: Deployment): number {
  return A.getAllChanges((d as DeploymentImpl).view().doc).length;
}

describe('deployment CRUD', () => {
  it('creates, reads, updates and deletes entities; edges link both sides', async () => {
    const a = await dep.create('vertex', { id: 'web/a', classIds: ['tosca:Compute'], properties: { port: { value: 80n } } });
    await dep.create('vertex', { id: 'web/b' });
    const e = await dep.create('edge', { id: 'web/ab', source: 'web/a', target: 'web/b' });
    expect(dep.get('vertex', 'web/a')?.outgoing).toEqual(['web/ab']);
    expect(dep.get('vertex', 'web/b')?.incoming).toEqual(['web/ab']);
    await dep.setProperty(a.id, 'port', 8080n);
    expect(dep.getProperty(a.id, 'port')?.value).toBe(8080n);
    await dep.update(a.id, { metadata: { note: 'hi' }, classIds: ['tosca:Compute', 'x:Y'] });
    expect(dep.require('vertex', 'web/a').classIds).toEqual(['tosca:Compute', 'x:Y']);
    await dep.delete(parseEntityId('vertex', 'web/b'));
    expect(dep.get('edge', e.id)).toBeUndefined();
    expect(dep.get('vertex', 'web/a')?.outgoing).toEqual([]);
    expect(dep.list('vertex').map((v) => v.id.name)).toEqual(['service', 'a']);
  });

  it('has a service vertex for inputs and outputs', async () => {
    const svc = parseEntityId('vertex', dep.serviceVertex);
    await dep.setProperty(svc, 'input:size', 3n);
    expect(dep.getProperty(svc, 'input:size')?.value).toBe(3n);
  });

  it('contained vertexes go with their container', async () => {
    await dep.create('vertex', { id: 'p' });
    await dep.create('vertex', { id: 'c', containing: 'p' });
    expect(dep.require('vertex', 'p').contained).toEqual(['c']);
    expect(dep.require('vertex', 'c').containing).toBe('p');
    await dep.delete(parseEntityId('vertex', 'p'));
    expect(dep.get('vertex', 'c')).toBeUndefined();
  });

  it('generates ids when none is given', async () => {
    const v = await dep.create('vertex', { directory: ['gen'] });
    expect(v.id.directory).toEqual(['gen']);
    expect(v.id.name).toMatch(/^h1-/);
  });

  it('queries by class, directory, property value and owner', async () => {
    await dep.create('vertex', { id: 'a/x', classIds: ['k:A'], properties: { n: { value: 1n } } });
    await dep.create('vertex', { id: 'a/b/y', classIds: ['k:B'], properties: { n: { value: 2n } } });
    await dep.create('vertex', { id: 'z', classIds: ['k:A'], owner: 'h1' });
    const names = (q: Parameters<Deployment['query']>[0]): string[] => dep.query(q).map((v) => v.id.name);
    expect(names({ kind: 'vertex', classId: 'k:A' })).toEqual(['x', 'z']);
    expect(names({ kind: 'vertex', directory: ['a'] })).toEqual(['y', 'x']);
    expect(names({ kind: 'vertex', directory: ['a'], exactDirectory: true })).toEqual(['x']);
    expect(names({ kind: 'vertex', property: { name: 'n', equals: 2n } })).toEqual(['y']);
    expect(names({ kind: 'vertex', owner: 'h1' })).toEqual(['z']);
  });
});

describe('reads decode only what changed', () => {
  it('hands out the same entity while its record is unchanged, a fresh one when it or its links change', async () => {
    const ids = ['a', 'b', 'c'].map((n) => `n/${n}`);
    for (const id of ids) await dep.create('vertex', { id, owner: 'h1', properties: { p: { value: id } } });
    const first = new Map(dep.list('vertex').map((v) => [v.id.name, v]));
    await dep.setStatus('n/b', { state: 'started' });
    const second = new Map(dep.list('vertex').map((v) => [v.id.name, v]));
    expect(second.get('a')).toBe(first.get('a'));
    expect(second.get('c')).toBe(first.get('c'));
    expect(second.get('b')).not.toBe(first.get('b'));
    expect(second.get('b')?.status?.state).toBe('started');
    // An edge changes the derived adjacency of both endpoints, not their records.
    await dep.create('edge', { id: 'n/ac', source: 'n/a', target: 'n/c' });
    const third = new Map(dep.list('vertex').map((v) => [v.id.name, v]));
    expect(third.get('a')?.outgoing).toEqual(['n/ac']);
    expect(third.get('c')?.incoming).toEqual(['n/ac']);
    expect(third.get('b')).toBe(second.get('b'));
    await dep.delete(parseEntityId('edge', 'n/ac'));
    expect(dep.get('vertex', 'n/a')?.outgoing).toEqual([]);
    // A container that disappears reads as absent on the contained vertex.
    await dep.create('vertex', { id: 'n/d', containing: 'n/c' });
    expect(dep.get('vertex', 'n/d')?.containing).toBe('n/c');
    expect(dep.get('vertex', 'n/c')?.contained).toEqual(['n/d']);
  });
});

describe('status writes coalesce within a tick', () => {
  it('writes one operation per vertex per change: the last status of the tick', async () => {
    await dep.create('vertex', { id: 'n/a', owner: 'h1' });
    await dep.create('vertex', { id: 'n/b', owner: 'h1' });
    const before = changes(dep);
    const writes = [dep.setStatus('n/a', { state: 'creating' }), dep.setStatus('n/b', { state: 'creating' }), dep.setStatus('n/a', { state: 'created' }), dep.setStatus('n/a', { state: 'configuring' })];
    await Promise.all(writes);
    expect(changes(dep)).toBe(before + 1);
    const doc = (dep as DeploymentImpl).view().doc;
    const last = A.decodeChange(A.getLastLocalChange(doc)!);
    expect(last.ops.filter((o) => o.key === 'status')).toHaveLength(2);
    expect(dep.get('vertex', 'n/a')?.status?.state).toBe('configuring');
    expect(dep.get('vertex', 'n/b')?.status?.state).toBe('creating');
    // After a commit the next write is a change of its own.
    await dep.setStatus('n/a', { state: 'configured' });
    expect(dep.get('vertex', 'n/a')?.status?.state).toBe('configured');
  });

  it('a coalesced write shares the refusal of the write it joined', async () => {
    await dep.create('vertex', { id: 'n/x', owner: 'other' });
    const results = await Promise.allSettled([dep.setStatus('n/x', { state: 'creating' }), dep.setStatus('n/x', { state: 'created' })]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as KhutulunError).code : 'ok'))).toEqual(['KH-STORE-023', 'KH-STORE-023']);
  });
});

describe('bad input: coded errors, document unchanged', () => {
  it('refuses writes to a read-only property that has a value', async () => {
    const v = await dep.create('vertex', { id: 'v', properties: { size: { readOnly: true, value: 1n } } });
    const before = changes(dep);
    expect(await codeOf(dep.setProperty(v.id, 'size', 2n))).toBe('KH-STORE-012');
    expect(await codeOf(dep.putProperty(v.id, 'size', { value: 2n }))).toBe('KH-STORE-012');
    expect(await codeOf(dep.deleteProperty(v.id, 'size'))).toBe('KH-STORE-012');
    expect(changes(dep)).toBe(before);
    expect(dep.getProperty(v.id, 'size')?.value).toBe(1n);
  });

  it('a refused write in a batch leaves the others committed and no trace of itself', async () => {
    const v = await dep.create('vertex', { id: 'v', properties: { ro: { readOnly: true, value: 1n } } });
    const results = await Promise.allSettled([dep.setProperty(v.id, 'a', 1n), dep.setProperty(v.id, 'ro', 9n), dep.setProperty(v.id, 'b', 2n)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(dep.getProperty(v.id, 'ro')?.value).toBe(1n);
    expect(dep.getProperty(v.id, 'b')?.value).toBe(2n);
  });

  it('rejects malformed ids, unknown kinds, bad values and missing entities', async () => {
    const before = changes(dep);
    expect(await codeOf(dep.create('vertex', { id: 'a//b' }))).toBe('KH-STORE-001');
    expect(await codeOf(dep.create('widget' as 'vertex', { id: 'a' }))).toBe('KH-STORE-002');
    expect(await codeOf(dep.create('vertex', { id: 'v', properties: { p: { value: { not: 'an expression' } as never } } }))).toBe('KH-STORE-009');
    expect(await codeOf(dep.create('vertex', { id: 'v', properties: { p: { value: 2n ** 70n } } }))).toBe('KH-STORE-010');
    expect(await codeOf(dep.create('vertex', { id: 'v', metadata: { m: call('floria:concat', []) } }))).toBe('KH-STORE-015');
    expect(await codeOf(dep.create('edge', { id: 'e', source: 'nope', target: 'nope2' }))).toBe('KH-STORE-021');
    expect(await codeOf(dep.setProperty(parseEntityId('vertex', 'ghost'), 'p', 1n))).toBe('KH-STORE-005');
    expect(await codeOf(dep.setProperty(parseEntityId('vertex', 'ghost'), 'p', undefined as never))).toBe('KH-STORE-009');
    expect(changes(dep)).toBe(before);
    await dep.create('vertex', { id: 'dup' });
    expect(await codeOf(dep.create('vertex', { id: 'dup' }))).toBe('KH-STORE-006');
  });

  it('only the owning host writes status', async () => {
    await dep.create('vertex', { id: 'v' });
    expect(await codeOf(dep.setStatus('v', { state: 'running' }))).toBe('KH-STORE-023');
    await dep.setOwner('v', 'h1');
    await dep.setStatus('v', { state: 'running', observed: { pid: 4 } });
    expect(dep.require('vertex', 'v').status).toEqual({ state: 'running', observed: { pid: 4 }, at: clock.now() });
  });
});

describe('batching, events, history', () => {
  it('puts all writes of one tick into one change, and reads see queued writes', async () => {
    const before = changes(dep);
    const ps = [];
    for (let i = 0; i < 50; i++) ps.push(dep.create('vertex', { id: `b/v${i}` }));
    expect(dep.count('vertex')).toBe(51); // read-your-writes (commits the queue)
    await Promise.all(ps);
    expect(changes(dep)).toBe(before + 1);
  });

  it('emits typed events with old and new values', async () => {
    const seen: ChangeEvent[] = [];
    dep.subscribe((evs) => seen.push(...evs));
    const v = await dep.create('vertex', { id: 'v', properties: { p: { value: 1n } } });
    await dep.setProperty(v.id, 'p', 2n);
    await dep.setOwner('v', 'h9');
    const summary = seen.map((e) => `${e.kind}:${e.field}:${e.property ?? ''}:${e.local}`);
    expect(summary).toEqual(['vertex:created::true', 'vertex:property:p:true', 'vertex:owner::true']);
    const prop = seen[1]!;
    expect((prop.old as { value: bigint }).value).toBe(1n);
    expect((prop.new as { value: bigint }).value).toBe(2n);
  });

  it('records who changed what and when', async () => {
    const v = await dep.create('vertex', { id: 'v' });
    clock.advance(5000);
    await dep.setProperty(v.id, 'p', 1n);
    const h = dep.history(v.id);
    expect(h.map((x) => x.fields)).toEqual([['created'], ['property:p']]);
    expect(h[1]!.at - h[0]!.at).toBe(5000);
    expect(h.every((x) => x.host === 'h1')).toBe(true);
  });

  it('history carries old and new values per field, in causal order', async () => {
    const v = await dep.create('vertex', { id: 'v', properties: { port: { value: 8080n } } });
    await dep.setProperty(v.id, 'port', 8081n);
    await dep.setOwner('v', 'h1');
    await dep.setStatus('v', { state: 'starting', reason: 'its turn' });
    await dep.setStatus('v', { state: 'started' });
    const h = dep.history(v.id);
    expect(h.map((x) => x.changes)).toEqual([
      [{ field: 'created' }],
      [{ field: 'property:port', old: 8080, new: 8081 }],
      [{ field: 'owner', new: 'h1' }],
      [{ field: 'status', new: 'starting', note: 'its turn' }],
      [{ field: 'status', old: 'starting', new: 'started' }],
    ]);
    expect(h.map((x) => x.order)).toEqual([...h.map((x) => x.order)].sort((a, b) => a - b));
  });

  it('keeps the history of deleted entities, and lists them', async () => {
    const gone = await dep.create('vertex', { id: 'nodes/gone', properties: { p: { value: 1n } } });
    await dep.create('vertex', { id: 'nodes/kept' });
    await dep.delete(gone.id);
    expect(dep.get('vertex', 'nodes/gone')).toBeUndefined();
    expect(dep.historyIds('vertex').map((id) => `${id.directory.join('/')}/${id.name}`)).toEqual(['nodes/gone', 'nodes/kept']);
    expect(dep.history(gone.id).map((x) => x.fields)).toEqual([['created'], ['deleted']]);
  });
});

describe('evaluation, events and instantiation', () => {
  it('update then prepare every property (Floria semantics)', async () => {
    store.functions.register('test:double', (_args, ctx) => {
      const v = ctx.site.value;
      return typeof v === 'bigint' ? v * 2n : null;
    });
    const v = await dep.create('vertex', {
      id: 'v',
      properties: {
        greet: { updater: call('floria:concat', ['hi ', 'there']) },
        once: { readOnly: true, value: 'fixed', updater: call('floria:concat', ['changed']) },
        size: { value: 4n, preparer: call('test:double', []) },
        bad: { updater: call('test:missing', []) },
      },
    });
    const errors = await dep.updateProperties(v.id);
    expect(errors.map((e) => e.code)).toEqual(['KH-STORE-018']);
    const got = dep.require('vertex', 'v').properties;
    expect(got.greet?.value).toBe('hi there');
    expect(got.once?.value).toBe('fixed');
    expect(got.size?.value).toBe(8n);
  });

  it('dispatch runs all handlers in order and propagates with a visited set', async () => {
    const calls: string[] = [];
    store.functions.register('test:log', (args, ctx) => {
      calls.push(`${ctx.site.entity?.name}:${String(args[0])}`);
      return null;
    });
    const h = { deploy: [{ fn: 'test:log', args: ['1'] }, { fn: 'test:log', args: ['2'] }] };
    await dep.create('vertex', { id: 'a', handlers: h });
    await dep.create('vertex', { id: 'b', handlers: h });
    await dep.create('edge', { id: 'ab', source: 'a', target: 'b' });
    await dep.create('edge', { id: 'ba', source: 'b', target: 'a' });
    const r = await dep.dispatch('deploy', parseEntityId('vertex', 'a'), { outgoing: true, edgeTarget: true });
    expect(calls).toEqual(['a:1', 'a:2', 'b:1', 'b:2']);
    expect(r.visited.map((x) => `${x.kind}:${x.name}`)).toEqual(['vertex:a', 'edge:ab', 'vertex:b', 'edge:ba']);
  });

  it('instantiates templates: before-handlers may cancel; edges by fixed id and by finder', async () => {
    store.functions.register('test:deny', () => false);
    store.functions.register('test:find-db', () => ['db']);
    const added: string[] = [];
    store.functions.register('test:added', (_a, ctx) => (added.push(ctx.site.entity?.name ?? ''), null));
    await dep.create('vertex', { id: 'db' });
    await dep.create('vertex-template', { id: 't/app', properties: { size: { readOnly: true, value: 2n } }, handlers: { 'floria:added': [{ fn: 'test:added' }] } });
    await dep.create('vertex-template', { id: 't/sidecar', containing: 't/app' });
    await dep.create('edge-template', { id: 't/uses', source: 't/app', target: { vertex: 'db' } });
    await dep.create('edge-template', { id: 't/finds', source: 't/app', target: { finder: call('test:find-db', [], 'normal') } });
    const r = await dep.instantiate('t/app', { directory: ['run'], name: 'app1' });
    expect(r.errors).toEqual([]);
    expect(r.vertexes.map((v) => v.id.name)[0]).toBe('app1');
    expect(r.vertexes).toHaveLength(2);
    expect(r.vertexes[1]!.containing).toBe('run/app1');
    expect(r.edges.map((e) => `${e.origin}->${e.target}`).sort()).toEqual(['t/finds->db', 't/uses->db']);
    expect(dep.require('vertex', 'db').incoming).toHaveLength(2);
    expect(dep.require('vertex', 'run/app1').properties.size?.value).toBe(2n);
    expect(added).toEqual(['app1']);

    await dep.create('vertex-template', { id: 't/denied', instantiationHandlers: { 'floria:instantiation:before': [{ fn: 'test:deny' }] } });
    const n = dep.count('vertex');
    expect(await codeOf(dep.instantiate('t/denied'))).toBe('KH-STORE-016');
    expect(dep.count('vertex')).toBe(n);
  });
});

describe('cluster document', () => {
  it('keeps hosts, the deployment index and plugins', async () => {
    await store.cluster.upsertHost({ id: 'h1', name: 'one', addresses: ['127.0.0.1'], labels: { zone: 'a' }, capacity: { cpu: 2 } });
    clock.advance(10);
    await store.cluster.touchHost('h1');
    expect(store.cluster.host('h1')).toMatchObject({ name: 'one', labels: { zone: 'a' }, lastSeen: clock.now() });
    await store.cluster.registerPlugin({ id: 'floria', url: 'file:///p.wasm', precompiled: false });
    expect(store.cluster.plugins().map((p) => p.id)).toEqual(['floria']);
    expect(store.listDeployments().map((d) => d.name)).toEqual(['shop']);
    expect(await codeOf(store.createDeployment('shop'))).toBe('KH-STORE-008');
    expect(await codeOf(store.openDeployment('nope'))).toBe('KH-STORE-007');
    expect(await codeOf(store.cluster.upsertHost({ id: 'bad host' }))).toBe('KH-STORE-004');
    await store.deleteDeployment('shop');
    expect(store.listDeployments()).toEqual([]);
  });
});
