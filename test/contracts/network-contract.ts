/**
 * The shared acceptance suite of network adapters (a network is a runtime workload; workloads
 * attach to it), run against the REAL backend: two workloads the fixture places in network
 * namespaces reach each other over TCP once attached; a reject rule blocks and its removal
 * restores; the network survives an adapter restart; removal leaves nothing behind (the fixture
 * lists the backend).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import type { RuntimeAdapter } from '../../runtimes/runtime-adapter.js';
import type { WorkloadSpec } from '../../runtimes/workload.js';

export interface NetworkAttachmentLike {
  address: string;
}

/** A runtime adapter that also attaches workloads (by network namespace path). */
export interface NetworkAdapterLike extends RuntimeAdapter {
  attach(network: string, workload: string, netns: string): Promise<NetworkAttachmentLike>;
  detach(network: string, workload: string): Promise<void>;
}

export interface NetworkContractFixture {
  /** A NEW adapter over the same backend (calling it again simulates an agent restart). */
  create(): Promise<NetworkAdapterLike>;
  /** A network spec; `rejectPort` adds a rule rejecting TCP to that port. */
  network(rejectPort?: number): WorkloadSpec;
  badSpec(): WorkloadSpec;
  /** Two fresh network namespaces (paths) the fixture owns. */
  namespaces(): Promise<[string, string]>;
  /** Serves TCP on `port` inside `netns` until cleanup. */
  serve(netns: string, port: number): Promise<void>;
  /** Connects from `netns` to address:port: `ok`, `refused` or `timeout`. */
  connect(netns: string, address: string, port: number): Promise<'ok' | 'refused' | 'timeout'>;
  /** What the backend still holds for `network` (switches, ports, interfaces): empty after removal. */
  leftovers(network: string): Promise<string[]>;
  codes: { badSpec: string; noNetwork: string };
  cleanup(): Promise<void>;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, `expected ${code}`).toBeInstanceOf(KhutulunError);
  expect((error as KhutulunError).code).toBe(code);
  expect((error as KhutulunError).hint ?? '').not.toBe('');
}

export function runNetworkAdapterTests(name: string, setup: () => Promise<NetworkContractFixture>): void {
  describe(`Network adapter contract: ${name}`, () => {
    let fx: NetworkContractFixture;
    const adapters: NetworkAdapterLike[] = [];
    let seq = 0;
    const newId = (): string => `contract/${name}-net-${process.pid}-${seq++}`;
    const open = async (): Promise<NetworkAdapterLike> => {
      const a = await fx.create();
      adapters.push(a);
      return a;
    };
    const PORT = 9000;

    beforeEach(async () => {
      fx = await setup();
    });
    afterEach(async () => {
      for (const a of adapters.splice(0)) await a.close().catch(() => undefined);
      await fx.cleanup();
    });

    it('is ready; observe(unknown) is undefined; a bad spec and an undeployed network are coded errors', async () => {
      const a = await open();
      await a.ready();
      expect(await a.observe(newId())).toBeUndefined();
      await expectCode(a.ensure(newId(), fx.badSpec()), fx.codes.badSpec);
      const [ns1] = await fx.namespaces();
      await expectCode(a.attach(newId(), 'contract/w1', ns1), fx.codes.noNetwork);
    });

    it('two attached workloads reach each other over TCP; a reject rule blocks, its removal restores', async () => {
      const a = await open();
      const id = newId();
      const first = await a.ensure(id, fx.network());
      expect(first.state).toBe('running');
      expect((await a.ensure(id, fx.network())).handle).toBe(first.handle); // idempotent
      const [ns1, ns2] = await fx.namespaces();
      const client = await a.attach(id, 'contract/client', ns1);
      const server = await a.attach(id, 'contract/server', ns2);
      expect(server.address).not.toBe(client.address);
      expect((await a.attach(id, 'contract/server', ns2)).address).toBe(server.address); // idempotent
      await fx.serve(ns2, PORT);
      expect(await fx.connect(ns1, server.address, PORT)).toBe('ok');
      await a.ensure(id, fx.network(PORT));
      expect(await fx.connect(ns1, server.address, PORT)).toBe('refused');
      await a.ensure(id, fx.network());
      expect(await fx.connect(ns1, server.address, PORT)).toBe('ok');
      await a.detach(id, 'contract/server');
      expect(await fx.connect(ns1, server.address, PORT)).not.toBe('ok');
      await a.detach(id, 'contract/server'); // idempotent
    });

    it('re-attaches after a restart, and removal (idempotent) leaves nothing behind', async () => {
      const id = newId();
      const a = await open();
      await a.ensure(id, fx.network());
      const [ns1, ns2] = await fx.namespaces();
      await a.attach(id, 'contract/a', ns1);
      await a.attach(id, 'contract/b', ns2);
      await a.close();
      const b = await open();
      expect((await b.list()).map((o) => o.id)).toContain(id);
      expect((await b.observe(id))?.state).toBe('running');
      expect(await fx.leftovers(id)).not.toEqual([]);
      await b.remove(id);
      await b.remove(id);
      expect(await b.observe(id)).toBeUndefined();
      expect(await fx.leftovers(id)).toEqual([]);
    });
  });
}
