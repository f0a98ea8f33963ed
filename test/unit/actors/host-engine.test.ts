import { describe, expect, it } from 'vitest';
import { ActorErrorCode, HostEngine, MemoryActorStore } from '../../../actors/index.js';
import type { InspectionEvent } from '../../../actors/index.js';
import { KhutulunError } from '../../../common/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import { edge, fakeLifecyclePlugin, layeredGraph, vertex } from './helpers.js';

const fastRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, jitter: 0 };

function setup(graph = layeredGraph(4, 5, 'test.life', 'test.life'), fail?: Parameters<typeof fakeLifecyclePlugin>[1]) {
  const store = new MemoryActorStore();
  store.put('d', graph);
  const plugins = fakeLifecyclePlugin('d', fail);
  const noop = new NoopRuntime();
  const engine = new HostEngine({ hostId: 'h1', store, plugins, runtimes: [noop], retry: fastRetry });
  const events: InspectionEvent[] = [];
  engine.inspect((e) => events.push(e));
  return { store, plugins, noop, engine, events, graph };
}

describe('HostEngine on the noop runtime', () => {
  it('deploys in dependency order and undeploys in reverse, with states in the store and the stream', async () => {
    const { engine, events, graph, store, noop } = setup();
    const report = await engine.deploy('d');
    expect(report.ok).toBe(true);
    expect(report.waves.length).toBe(4);
    expect(report.vertexes.every((v) => v.phase === 'started')).toBe(true);
    const startedAt = new Map<string, number>();
    const createdAt = new Map<string, number>();
    events.forEach((e, i) => {
      if (e.to === 'started' && !startedAt.has(e.vertex)) startedAt.set(e.vertex, i);
      if (e.to === 'creating' && !createdAt.has(e.vertex)) createdAt.set(e.vertex, i);
    });
    for (const e of graph.edges) expect(startedAt.get(e.target)!).toBeLessThan(createdAt.get(e.source)!);
    for (const v of graph.vertexes) expect(store.status('d', v.id)?.state).toBe('started');
    expect((await noop.list()).length).toBe(20);
    // Every vertex went through the whole lifecycle once.
    const phases = events.filter((e) => e.vertex === 'n2-3').map((e) => e.to);
    expect(phases[0]).toBe('creating');
    expect(phases.at(-1)).toBe('started');
    expect(new Set(phases)).toEqual(new Set(['creating', 'configuring', 'starting', 'started']));

    events.length = 0;
    const down = await engine.undeploy('d');
    expect(down.ok).toBe(true);
    expect(down.vertexes.every((v) => v.phase === 'deleted')).toBe(true);
    const stoppedAt = new Map<string, number>();
    const stoppingAt = new Map<string, number>();
    events.forEach((e, i) => {
      if ((e.to === 'deleting' || e.to === 'stopped') && !stoppedAt.has(e.vertex)) stoppedAt.set(e.vertex, i);
      if (e.to === 'stopping' && !stoppingAt.has(e.vertex)) stoppingAt.set(e.vertex, i);
    });
    // A node is stopped before anything it requires starts stopping.
    for (const e of graph.edges) expect(stoppedAt.get(e.source)!).toBeLessThan(stoppingAt.get(e.target)!);
    expect(await noop.list()).toEqual([]);
    await engine.close();
  });

  it('runs relationship operations around configure and start, on both ends', async () => {
    const graph = { vertexes: [vertex('app', 'test.life'), vertex('db', 'test.life')], edges: [edge('app', 'db', 'test.life')] };
    const { engine, plugins } = setup(graph);
    expect((await engine.deploy('d')).ok).toBe(true);
    const trace = plugins.calls.map((c) => `${c.snapshot.id}:${c.event.name}`);
    expect(trace.filter((t) => t.startsWith('app:') || t.includes('Configure'))).toEqual([
      'app:Standard.create',
      'app:Configure.pre_configure_source',
      'db:Configure.pre_configure_target',
      'app:Standard.configure',
      'app:Configure.post_configure_source',
      'db:Configure.post_configure_target',
      'app:Standard.start',
      'app:Configure.add_target',
      'db:Configure.add_source',
    ]);
    expect(trace.indexOf('db:Standard.start')).toBeLessThan(trace.indexOf('app:Standard.create'));
    await engine.close();
  });

  it('stops the wave at a failure with its cause, and a re-run resumes without redoing finished work', async () => {
    let broken = true;
    const graph = layeredGraph(3, 3, 'test.life');
    const { engine, plugins } = setup(graph, (event, v) =>
      broken && v.id === 'n1-1' && event.name === 'Standard.configure' ? new KhutulunError('KH-TEST-001', 'config missing', { hint: 'add it' }) : undefined,
    );
    const first = await engine.deploy('d');
    expect(first.ok).toBe(false);
    expect(first.completedWaves).toBe(1);
    expect(first.error?.code).toBe(ActorErrorCode.waveFailed);
    expect(first.error?.cause?.code).toBe('KH-TEST-001');
    expect(first.failed.map((f) => f.vertex)).toEqual(['n1-1']);
    // One engine, cluster semantics: a failure blocks only what requires it; the rest goes on.
    const blocked = new Set(graph.edges.filter((e) => e.target === 'n1-1').map((e) => e.source));
    expect(blocked.size).toBeGreaterThan(0);
    expect(first.vertexes.filter((v) => blocked.has(v.vertex)).every((v) => v.phase === 'initial')).toBe(true);
    expect(first.vertexes.filter((v) => v.vertex.startsWith('n2') && !blocked.has(v.vertex)).every((v) => v.phase === 'started')).toBe(true);
    const callsBefore = plugins.calls.length;
    broken = false;
    const second = await engine.deploy('d');
    expect(second.ok).toBe(true);
    const rerun = plugins.calls.slice(callsBefore).map((c) => `${c.snapshot.id}:${c.event.name}`);
    expect(rerun.some((t) => t.startsWith('n0-'))).toBe(false); // wave 0 was done
    expect(rerun.filter((t) => t === 'n1-0:Standard.create')).toEqual([]); // finished siblings untouched
    expect(rerun).toContain('n1-1:Standard.configure');
    expect(rerun).not.toContain('n1-1:Standard.create');
    await engine.close();
  });

  it('retries a retryable failure with backoff, then gives up with the cause', async () => {
    let failures = 0;
    const { engine } = setup(layeredGraph(1, 1, 'test.life'), (event) => {
      if (event.name === 'Standard.start' && failures < 2) {
        failures++;
        return new KhutulunError('KH-TEST-002', 'busy', { retryable: true });
      }
      return undefined;
    });
    expect((await engine.deploy('d')).ok).toBe(true);
    expect(failures).toBe(2);
    await engine.close();

    const always = setup(layeredGraph(1, 1, 'test.life'), (event) => (event.name === 'Standard.start' ? new KhutulunError('KH-TEST-003', 'down', { retryable: true }) : undefined));
    const report = await always.engine.deploy('d');
    expect(report.ok).toBe(false);
    expect(report.failed[0]?.error?.code).toBe('KH-TEST-003');
    expect(always.events.filter((e) => e.reason.startsWith('start failed (KH-TEST-003), retry')).length).toBe(2);
    await always.engine.close();
  });

  it('restarts a workload the runtime reports dead (supervision)', async () => {
    const { engine, noop, events } = setup(layeredGraph(1, 1, 'test.life'));
    await engine.deploy('d');
    noop.simulateExit('d/n0-0');
    await new Promise<void>((resolve) => {
      const stop = engine.inspect((e) => {
        if (e.to === 'started') {
          stop();
          resolve();
        }
      });
    });
    expect(events.some((e) => e.event === 'runtime-observed' && e.reason.includes('restart 1/'))).toBe(true);
    expect((await noop.observe('d/n0-0'))?.state).toBe('running');
    await engine.close();
  });

  it('runs only the vertexes this host owns; a remote dependency that is not up stops the wave', async () => {
    const graph = { vertexes: [vertex('app', 'test.life'), vertex('db', 'test.life', { owner: 'h2' })], edges: [edge('app', 'db')] };
    const { engine, plugins } = setup(graph);
    const report = await engine.deploy('d');
    expect(report.ok).toBe(false);
    expect(report.failed[0]?.error?.code).toBe(ActorErrorCode.remotePending);
    expect(plugins.calls.length).toBe(0);
    expect(engine.actorCount).toBe(1);
    await engine.close();
  });

  it('rejects a cycle with a coded error, and an unknown deployment', async () => {
    const graph = { vertexes: [vertex('a', 'test.life'), vertex('b', 'test.life')], edges: [edge('a', 'b'), edge('b', 'a')] };
    const { engine } = setup(graph);
    await expect(engine.deploy('d')).rejects.toMatchObject({ code: ActorErrorCode.cycle });
    await expect(engine.deploy('nope')).rejects.toMatchObject({ code: ActorErrorCode.unknownDeployment });
    await engine.close();
    await expect(engine.deploy('d')).rejects.toMatchObject({ code: ActorErrorCode.closed });
  });

  it('a bad handler name or an unknown runtime fails the operation with a hint', async () => {
    const bad = { vertexes: [{ ...vertex('a', 'test.life'), handlers: { 'Standard.create': ['no-colon'] } }], edges: [] };
    const one = setup(bad);
    const r1 = await one.engine.deploy('d');
    expect(r1.failed[0]?.error?.code).toBe(ActorErrorCode.badHandler);
    expect(r1.failed[0]?.error?.hint).toBeTruthy();
    await one.engine.close();
  });
});

describe('HostEngine start: what runs is what the document says', () => {
  const listing = (error: Error): NoopRuntime => {
    const r = new NoopRuntime();
    r.list = () => Promise.reject(error);
    return r;
  };
  it('stops the start on a final runtime error (a corrupt state file), skips a backend that is down', async () => {
    const store = new MemoryActorStore();
    store.put('d', layeredGraph(1, 1, 'test.life'));
    const corrupt = new HostEngine({ hostId: 'h1', store, plugins: fakeLifecyclePlugin('d'), runtimes: [listing(new KhutulunError('KH-STATE-CORRUPT', 'workloads/x.json is corrupt'))] });
    await expect(corrupt.start()).rejects.toMatchObject({ code: 'KH-STATE-CORRUPT' });
    await corrupt.close();
    const down = new HostEngine({ hostId: 'h1', store, plugins: fakeLifecyclePlugin('d'), runtimes: [listing(new KhutulunError('KH-CONT-DOWN', 'engine down', { retryable: true }))] });
    await expect(down.start()).resolves.toBeUndefined();
    await down.close();
  });
});
