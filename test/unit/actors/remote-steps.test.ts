/**
 * Relationship steps across hosts, without a network: two RemoteSteps (the source's host A and the
 * target's host B) over one in-memory store standing in for the synced document.
 */
import { describe, expect, it } from 'vitest';
import { KhutulunError, ManualClock, silentLogger } from '../../../common/index.js';
import { ActorErrorCode, DeploymentGraph, MemoryActorStore, RemoteSteps, STEP_REQUEST_PREFIX } from '../../../actors/index.js';
import type { OperationStep } from '../../../actors/index.js';
import { edge, vertex } from './helpers.js';

const STEP = { event: 'Configure.add_source', handler: 'p:rel', vertex: 't', edge: 's--t' } as const;

function setup(run: (step: OperationStep) => Promise<unknown> = async () => undefined) {
  const store = new MemoryActorStore();
  store.put('d', { vertexes: [vertex('s', 'p', { owner: 'A' }), vertex('t', 'p', { owner: 'B' })], edges: [edge('s', 't', 'p')] });
  const clock = new ManualClock(1000);
  const ran: OperationStep[] = [];
  const host = (id: string): RemoteSteps =>
    new RemoteSteps({ hostId: id, store, clock, logger: silentLogger, timeoutMs: 5000, run: async (_g, step) => (ran.push(step), run(step)) });
  const graph = async (): Promise<DeploymentGraph> => new DeploymentGraph('d', await store.load('d'));
  const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
  return { store, clock, ran, a: host('A'), b: host('B'), graph, flush };
}

describe('RemoteSteps: a relationship step runs on the host of its call site', () => {
  it('the target’s host runs the request once; the source goes on when the outcome arrives', async () => {
    const { a, b, ran, graph, flush } = setup();
    let done = false;
    const waiting = a.request(await graph(), STEP, 's').then(() => (done = true));
    await flush();
    expect(a.pending).toBe(1);
    a.observe(await graph(), () => false); // no outcome yet
    b.observe(await graph(), (v) => v === 't');
    b.observe(await graph(), (v) => v === 't'); // seen again before its outcome is written: not re-run
    await flush();
    expect(ran).toEqual([{ event: 'Configure.add_source', handler: 'p:rel', vertex: 't', edge: 's--t' }]);
    expect(done).toBe(false);
    a.observe(await graph(), () => false);
    await waiting;
    expect(a.pending).toBe(0);
    b.observe(await graph(), (v) => v === 't'); // answered: nothing more to run
    await flush();
    expect(ran).toHaveLength(1);
  });

  it('a host that does not run the target leaves the request alone', async () => {
    const { a, ran, graph, flush } = setup();
    void a.request(await graph(), STEP, 's').catch(() => undefined);
    await flush();
    a.observe(await graph(), (v) => v === 's');
    await flush();
    expect(ran).toEqual([]);
  });

  it('the target’s error reaches the source with its code and retryability, without a stack', async () => {
    const { a, b, graph, flush } = setup(async () => {
      throw new KhutulunError('KH-TEST-001', 'the target refused', { retryable: false, hint: 'fix it' });
    });
    const waiting = a.request(await graph(), STEP, 's');
    await flush();
    b.observe(await graph(), (v) => v === 't');
    await flush();
    a.observe(await graph(), () => false);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toEqual({ code: 'KH-TEST-001', message: 'the target refused', retryable: false, hint: 'fix it' });
  });

  it('runs only the edge’s own handlers', async () => {
    const { a, b, ran, graph, flush } = setup();
    const waiting = a.request(await graph(), { ...STEP, handler: 'evil:fn' }, 's');
    await flush();
    b.observe(await graph(), (v) => v === 't');
    await flush();
    a.observe(await graph(), () => false);
    await expect(waiting).rejects.toMatchObject({ code: ActorErrorCode.remoteStep, retryable: false });
    expect(ran).toEqual([]);
  });

  it('fails retryably when no outcome arrives in time, and a new request replaces the old one', async () => {
    const { a, clock, store, graph, flush } = setup();
    const first = a.request(await graph(), STEP, 's');
    const firstNonce = ((await store.load('d')).vertexes[0]!.properties[`${STEP_REQUEST_PREFIX}s--t:Configure.add_source`] as { nonce: string }).nonce;
    const second = a.request(await graph(), STEP, 's');
    await expect(first).rejects.toMatchObject({ code: ActorErrorCode.remoteStep, retryable: true });
    await flush();
    const secondNonce = ((await store.load('d')).vertexes[0]!.properties[`${STEP_REQUEST_PREFIX}s--t:Configure.add_source`] as { nonce: string }).nonce;
    expect(secondNonce).not.toBe(firstNonce);
    clock.advance(5000);
    await expect(second).rejects.toMatchObject({ code: ActorErrorCode.remoteStep, retryable: true, message: expect.stringMatching(/host B did not run Configure.add_source/) as string });
    expect(a.pending).toBe(0);
  });

  it('cancel releases the waits of a dropped actor', async () => {
    const { a, graph } = setup();
    const waiting = a.request(await graph(), STEP, 's');
    a.cancel('d', 's');
    await expect(waiting).rejects.toMatchObject({ code: ActorErrorCode.remoteStep });
  });
});
