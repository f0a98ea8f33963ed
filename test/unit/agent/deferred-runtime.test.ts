/** DeferredRuntime: an engine that answers after the host opened is adopted without a restart. */
import { describe, expect, it } from 'vitest';
import { DeferredRuntime } from '../../../agent/deferred-runtime.js';
import { runtimeCapabilities } from '../../../agent/placement.js';
import { KhutulunError, ManualClock } from '../../../common/index.js';
import type { Clock } from '../../../common/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import type { RuntimeAdapter, RuntimeEvent } from '../../../runtimes/runtime-adapter.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup<C extends Clock = ManualClock>(clock: C = new ManualClock(1_000) as unknown as C) {
  const engine = new NoopRuntime({ name: 'podman', fsync: false });
  const state = { up: false, probes: 0, available: [] as string[] };
  const deferred = new DeferredRuntime({
    name: 'podman',
    socket: '/run/test/podman.sock',
    clock,
    retryMs: 5_000,
    open: async (): Promise<RuntimeAdapter | undefined> => {
      state.probes++;
      return state.up ? engine : undefined;
    },
    onAvailable: (r) => state.available.push(r.name),
  });
  return { clock, engine, state, deferred };
}

async function codeOf(p: Promise<unknown>): Promise<KhutulunError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(KhutulunError);
  return e as KhutulunError;
}

const spec = { kind: 'noop' as const };

describe('DeferredRuntime', () => {
  it('while the engine is down: coded retryable errors that say how to start it, nothing observed', async () => {
    const { deferred, state } = setup();
    const e = await codeOf(deferred.ensure('d/nodes/box', spec));
    expect(e.code).toBe('KH-AGENT-RUNTIME-DOWN');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('/run/test/podman.sock');
    expect(e.message).toContain('d/nodes/box');
    expect(e.hint).toMatch(/podman system service/);
    expect((await codeOf(deferred.remove('d/nodes/box'))).code).toBe('KH-AGENT-RUNTIME-DOWN');
    expect((await codeOf(deferred.ready())).code).toBe('KH-AGENT-RUNTIME-DOWN');
    expect(await deferred.observe('d/nodes/box')).toBeUndefined();
    expect(await deferred.list()).toEqual([]);
    // Calls do not hammer a dead socket: at most one probe per retry interval.
    expect(state.probes).toBe(0);
    expect(deferred.available).toBe(false);
    expect(runtimeCapabilities([deferred])).toEqual([]);
    await deferred.close();
  });

  it('probes in the background, adopts the engine once it answers, and tells the host once', async () => {
    const { deferred, state, clock, engine } = setup();
    const events: RuntimeEvent[] = [];
    deferred.subscribe((ev) => events.push(ev));
    clock.advance(5_000);
    await settle();
    expect(state.probes).toBe(1);
    expect(state.available).toEqual([]);
    state.up = true;
    clock.advance(5_000);
    await settle();
    expect(state.probes).toBe(2);
    expect(state.available).toEqual(['podman']);
    expect(deferred.available).toBe(true);
    expect(runtimeCapabilities([deferred])).toEqual(['runtime:podman']);
    // No more probing once adopted.
    clock.advance(60_000);
    await settle();
    expect(state.probes).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    // Calls go to the engine, and a listener subscribed while it was down now hears it.
    const observed = await deferred.ensure('d/nodes/box', spec);
    expect(observed.state).toBe('running');
    expect(await deferred.observe('d/nodes/box')).toMatchObject({ state: 'running' });
    expect((await deferred.list()).map((o) => o.id)).toEqual(['d/nodes/box']);
    expect(events.map((ev) => [ev.workload, ev.observed.state])).toContainEqual(['d/nodes/box', 'running']);
    expect(engine.entries.length).toBeGreaterThan(0);
    await deferred.remove('d/nodes/box');
    expect(await deferred.observe('d/nodes/box')).toBeUndefined();
    await deferred.close();
  });

  it('a call after the retry interval probes at once (an actor retry need not wait for the timer)', async () => {
    // A clock whose timers never fire: only the call can probe.
    let now = 1_000;
    const { deferred, state } = setup({ now: () => now, setTimeout: () => ({ cancel: () => undefined }) });
    state.up = true;
    expect((await codeOf(deferred.ensure('d/nodes/box', spec))).code).toBe('KH-AGENT-RUNTIME-DOWN'); // too soon after open
    now += 5_000;
    expect((await deferred.ensure('d/nodes/box', spec)).state).toBe('running');
    expect(state.probes).toBe(1);
    expect(state.available).toEqual(['podman']);
    await deferred.close();
  });

  it('close stops probing', async () => {
    const { deferred, state, clock } = setup();
    await deferred.close();
    state.up = true;
    clock.advance(20_000);
    await settle();
    expect(state.probes).toBe(0);
    expect(state.available).toEqual([]);
  });

  it('an engine that answers while closing is closed, not adopted', async () => {
    const clock = new ManualClock(1_000);
    const engine = new NoopRuntime({ name: 'podman', fsync: false });
    let closed = 0;
    engine.close = async () => void closed++;
    let answer: (r: RuntimeAdapter) => void = () => undefined;
    const adopted: string[] = [];
    const deferred = new DeferredRuntime({
      name: 'podman',
      socket: '/run/test/podman.sock',
      clock,
      open: () => new Promise<RuntimeAdapter>((resolve) => (answer = resolve)),
      onAvailable: (r) => adopted.push(r.name),
    });
    clock.advance(5_000); // the background probe is now waiting for the engine
    const closing = deferred.close();
    answer(engine);
    await closing;
    expect(closed).toBe(1);
    expect(adopted).toEqual([]);
    expect(deferred.available).toBe(false);
  });
});
