/**
 * store.sync: latency of a change made on store A until B's change event fires, over the
 * automerge-repo WebSocket adapter on 127.0.0.1; and a fresh peer fetching a 10k-vertex doc.
 */
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { Repo } from '@automerge/automerge-repo';
import type { DocHandle } from '@automerge/automerge-repo';
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { openStore, parseEntityId } from '../store/index.js';
import type { Deployment, Store } from '../store/index.js';
import type { Benchmark } from './types.js';
import { percentile, withBaseline } from './types.js';
import { fill, round } from './store-fixtures.js';

async function server(): Promise<[WebSocketServer, number]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return [wss, (wss.address() as AddressInfo).port];
}

function nextEvent(dep: Deployment, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('sync timed out'))), timeoutMs);
    const off = dep.subscribe((evs) => {
      if (evs.some((e) => !e.local)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

async function rawLatency(samples: number): Promise<number[]> {
  const [wss, port] = await server();
  const a = new Repo({ network: [new WebSocketServerAdapter(wss as never)] });
  const b = new Repo({ network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 100)] });
  const ha = a.create<{ n: number }>({ n: 0 });
  const hb: DocHandle<{ n: number }> = await b.find(ha.url, { signal: AbortSignal.timeout(10_000) });
  const out: number[] = [];
  for (let i = 1; i <= samples; i++) {
    const seen = new Promise<void>((r) => {
      const h = (): void => {
        if (hb.doc().n !== i) return;
        hb.off('change', h);
        r();
      };
      hb.on('change', h);
    });
    const t = performance.now();
    ha.change((d) => void (d.n = i));
    await seen;
    out.push(performance.now() - t);
  }
  await a.shutdown();
  await b.shutdown();
  await new Promise<void>((r) => wss.close(() => r()));
  return out.sort((x, y) => x - y);
}

export const storeSync: Benchmark = {
  name: 'store.sync',
  async run(ctx) {
    const samples = ctx.quick ? 30 : 100;
    const big = ctx.quick ? 2000 : 10_000;
    const raw = await rawLatency(samples);

    const [wss, port] = await server();
    const stores: Store[] = [];
    try {
      const a = await openStore({ hostId: 'a', network: [new WebSocketServerAdapter(wss as never)] });
      stores.push(a);
      const b = await openStore({ hostId: 'b', network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 100)], clusterUrl: a.cluster.url });
      stores.push(b);
      const da = await a.createDeployment('s');
      await fill(da, 1000);
      await a.flush();
      for (let i = 0; i < 200 && b.listDeployments().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      const db = await b.openDeployment('s');
      for (let i = 0; i < 400 && db.count('vertex') < 1001; i++) await new Promise((r) => setTimeout(r, 25));
      const id = parseEntityId('vertex', 'v/n1');
      const lat: number[] = [];
      for (let i = 0; i < samples; i++) {
        const seen = nextEvent(db);
        const t = performance.now();
        await da.setProperty(id, 'prop1', BigInt(i));
        await seen;
        lat.push(performance.now() - t);
      }
      lat.sort((x, y) => x - y);

      // Fresh peer: a new store fetches a big deployment it has never seen. B leaves first so A
      // does not also push the big document to it.
      await b.close();
      const dbig = await a.createDeployment('big');
      await fill(dbig, big);
      await a.flush();
      const t = performance.now();
      const c = await openStore({ hostId: 'c', network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 100)], clusterUrl: a.cluster.url });
      stores.push(c);
      for (let i = 0; i < 400 && !c.listDeployments().some((d) => d.name === 'big'); i++) await new Promise((r) => setTimeout(r, 5));
      const dc = await c.openDeployment('big');
      const n = dc.count('vertex');
      const fetchMs = performance.now() - t;
      if (n !== big + 1) throw new Error(`fresh peer saw ${n} vertexes`);
      return [
        withBaseline(
          { name: 'store.sync.p50', value: round(percentile(lat, 50), 2), unit: 'ms', extra: { samples, docVertexes: 1000, target: '<= 5' } },
          { name: 'raw automerge-repo tiny doc p50', value: round(percentile(raw, 50), 2), unit: 'ms' },
        ),
        withBaseline(
          { name: 'store.sync.p99', value: round(percentile(lat, 99), 2), unit: 'ms', extra: { samples } },
          { name: 'raw automerge-repo tiny doc p99', value: round(percentile(raw, 99), 2), unit: 'ms' },
        ),
        { name: 'store.sync.fresh_fetch_ms', value: round(fetchMs), unit: 'ms', extra: { vertexes: big } },
      ];
    } finally {
      for (const s of stores.reverse()) await s.close().catch(() => undefined);
      await new Promise<void>((r) => wss.close(() => r()));
    }
  },
};
