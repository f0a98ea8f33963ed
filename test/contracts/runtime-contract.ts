/**
 * The shared acceptance suite every RuntimeAdapter passes against its REAL backend
 * (process: this host; podman: the daemon .ci/run starts; noop: memory). A runtime calls
 *   runRuntimeAdapterTests('podman', async () => fixture)
 * from one of its test files. Each test gets a fresh fixture and cleans it up.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import type { RuntimeAdapter, RuntimeEvent } from '../../runtimes/runtime-adapter.js';
import type { ObservedWorkload, WorkloadSpec } from '../../runtimes/workload.js';
import { waitFor } from './wait-for.js';

export interface RuntimeContractFixture {
  /**
   * A NEW adapter instance over the same persistent state as the previous ones (the first call
   * makes the first one). Calling it again simulates an agent restart.
   */
  create(): Promise<RuntimeAdapter>;
  /** A workload that keeps running until stopped; a different `variant` is a changed spec. */
  longRunning(variant?: number): WorkloadSpec;
  /** A workload that exits by itself soon with this code (restart policy never). */
  exitsWith(code: number): WorkloadSpec;
  /** A workload whose program/image does not exist. */
  missingCommand(): WorkloadSpec;
  /** A spec the adapter must reject as malformed. */
  badSpec(): WorkloadSpec;
  /** A workload that ignores SIGTERM (to check the forced stop); omit if the backend cannot. */
  ignoresTerm?(): WorkloadSpec;
  /** Expected error codes. */
  codes: { notFound: string; badSpec: string };
  /** Stops whatever is left (by id/PID) and removes scratch state. */
  cleanup(): Promise<void>;
  /** Upper bound for a start/stop on this backend (default 15 s). */
  timeoutMs?: number;
  /** False for backends without real processes (noop): skips the re-attach liveness checks. */
  realProcesses?: boolean;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<KhutulunError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KhutulunError);
    const k = error as KhutulunError;
    expect(k.code).toBe(code);
    expect(typeof k.retryable).toBe('boolean');
    expect(k.hint ?? '').not.toBe('');
    return k;
  }
  throw new Error(`expected a KhutulunError ${code}, but the call succeeded`);
}

export function runRuntimeAdapterTests(name: string, setup: () => Promise<RuntimeContractFixture>): void {
  describe(`RuntimeAdapter contract: ${name}`, () => {
    let fx: RuntimeContractFixture;
    const adapters: RuntimeAdapter[] = [];
    let seq = 0;
    const newId = (): string => `contract/${name}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
    const open = async (): Promise<RuntimeAdapter> => {
      const a = await fx.create();
      adapters.push(a);
      return a;
    };
    const timeout = (): number => fx.timeoutMs ?? 15_000;
    const until = (a: RuntimeAdapter, id: string, pred: (o: ObservedWorkload) => boolean, what: string): Promise<ObservedWorkload> =>
      waitFor(async () => {
        const o = await a.observe(id);
        return o && pred(o) ? o : undefined;
      }, what, timeout());

    beforeEach(async () => {
      fx = await setup();
    });
    afterEach(async () => {
      for (const a of adapters.splice(0)) await a.close().catch(() => undefined);
      await fx.cleanup();
    });

    it('is ready and starts with nothing unknown: observe(unknown) is undefined', async () => {
      const a = await open();
      await a.ready();
      expect(await a.observe(newId())).toBeUndefined();
    });

    it('ensure starts a workload that observe reports running', async () => {
      const a = await open();
      const id = newId();
      const o = await a.ensure(id, fx.longRunning());
      expect(o.id).toBe(id);
      expect(o.runtime).toBe(a.name);
      const seen = await until(a, id, (x) => x.state === 'running', 'running');
      expect(seen.id).toBe(id);
      expect((await a.list()).filter((x) => x.id === id)).toHaveLength(1);
    });

    it('ensure is idempotent: same spec twice changes nothing', async () => {
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.longRunning());
      const first = await until(a, id, (x) => x.state === 'running', 'running');
      const second = await a.ensure(id, fx.longRunning());
      expect(second.state).toBe('running');
      expect(second.handle).toBe(first.handle);
      expect(second.pid).toBe(first.pid);
      expect((await a.list()).filter((x) => x.id === id)).toHaveLength(1);
    });

    it('ensure with a changed spec replaces the workload', async () => {
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.longRunning(1));
      const first = await until(a, id, (x) => x.state === 'running', 'running');
      await a.ensure(id, fx.longRunning(2));
      const second = await until(a, id, (x) => x.state === 'running', 'running after replace');
      expect(second.handle).not.toBe(first.handle);
      expect((await a.list()).filter((x) => x.id === id)).toHaveLength(1);
    });

    it('observe reports a real exit with its code and a coded cause', async () => {
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.exitsWith(3));
      const o = await until(a, id, (x) => x.state === 'failed' || x.state === 'exited', 'exit');
      expect(o.state).toBe('failed');
      expect(o.exitCode).toBe(3);
      expect(o.cause?.code).toMatch(/^KH-/);
      const ok = newId();
      await a.ensure(ok, fx.exitsWith(0));
      const clean = await until(a, ok, (x) => x.state === 'exited' || x.state === 'failed', 'clean exit');
      expect(clean.state).toBe('exited');
      expect(clean.exitCode).toBe(0);
    });

    it('subscribe delivers the exit event; unsubscribe stops delivery', async () => {
      const a = await open();
      const id = newId();
      const events: RuntimeEvent[] = [];
      const off = a.subscribe((e) => events.push(e));
      await a.ensure(id, fx.exitsWith(4));
      const exit = await waitFor(() => events.find((e) => e.workload === id && e.observed.state === 'failed'), 'exit event', timeout());
      expect(exit.observed.exitCode).toBe(4);
      off();
      const count = events.length;
      const other = newId();
      await a.ensure(other, fx.exitsWith(5));
      await until(a, other, (x) => x.state === 'failed', 'second exit');
      expect(events.length).toBe(count);
    });

    it('remove stops gracefully, is idempotent, and observe then gives undefined', async () => {
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.longRunning());
      await until(a, id, (x) => x.state === 'running', 'running');
      await a.remove(id);
      expect(await a.observe(id)).toBeUndefined();
      await a.remove(id);
      await a.remove(newId());
      expect((await a.list()).some((x) => x.id === id)).toBe(false);
    });

    it('remove forces a workload that ignores SIGTERM after the timeout', async (ctx) => {
      if (!fx.ignoresTerm) return ctx.skip();
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.ignoresTerm());
      await until(a, id, (x) => x.state === 'running', 'running');
      // Let the program install its SIGTERM handler first (a real startup, not a race to test).
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await a.remove(id, { timeoutMs: 300 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(await a.observe(id)).toBeUndefined();
    });

    it('a new adapter over the same state re-attaches: finds what runs, no duplicate, no orphan', async () => {
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.longRunning());
      const before = await until(a, id, (x) => x.state === 'running', 'running');
      await a.close();
      const b = await open();
      const found = (await b.list()).filter((x) => x.id === id);
      expect(found).toHaveLength(1);
      expect(found[0]?.state).toBe('running');
      expect(found[0]?.handle).toBe(before.handle);
      // ensure after the restart must not start a second copy
      const again = await b.ensure(id, fx.longRunning());
      expect(again.handle).toBe(before.handle);
      expect((await b.list()).filter((x) => x.id === id)).toHaveLength(1);
      // and the re-attached adapter can stop it (no orphan left behind)
      await b.remove(id);
      expect(await b.observe(id)).toBeUndefined();
      await b.close();
      const c = await open();
      expect((await c.list()).some((x) => x.id === id)).toBe(false);
    });

    it('a re-attached workload that dies is noticed (not reported running forever)', async (ctx) => {
      if (fx.realProcesses === false) return ctx.skip();
      const a = await open();
      const id = newId();
      await a.ensure(id, fx.longRunning());
      const o = await until(a, id, (x) => x.state === 'running', 'running');
      await a.close();
      const b = await open();
      expect((await b.observe(id))?.state).toBe('running');
      // Kill it behind the adapter's back, as a crash would.
      if (o.pid !== undefined) process.kill(o.pid, 'SIGKILL');
      else return ctx.skip();
      await until(b, id, (x) => x.state !== 'running', 'death noticed after re-attach');
    });

    it('coded errors: a missing command and a malformed spec', async () => {
      const a = await open();
      await expectCode(a.ensure(newId(), fx.missingCommand()), fx.codes.notFound);
      await expectCode(a.ensure(newId(), fx.badSpec()), fx.codes.badSpec);
    });
  });
}
