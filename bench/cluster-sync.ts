/**
 * Cluster sync benchmarks between two real agents on loopback.
 * - sync.latency: an isolated change on host A observed on host B (p50/p99), baseline = two bare
 *   automerge-repo peers over the same WebSocket adapters (the agent's overhead is the ratio).
 * - sync.reconverge: A and B partitioned while each makes N changes to the cluster document;
 *   time from heal to identical heads (target <= 2 s), baseline = merging the same two documents
 *   in memory (the floor without a network).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as A from '@automerge/automerge';
import { Repo } from '@automerge/automerge-repo';
import type { DocHandle, PeerId } from '@automerge/automerge-repo';
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { WebSocketServer } from 'ws';
import { startAgent } from '../agent/index.js';
import type { Agent, ClusterDoc } from '../agent/index.js';
import { percentile, withBaseline } from './types.js';
import type { Benchmark, BenchResult } from './types.js';

const TOKEN = 'bench-token-0123456789';

function waitFor<T>(handle: DocHandle<T>, check: () => boolean, timeoutMs: number): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onChange = (): void => {
      if (!check()) return;
      clearTimeout(t);
      handle.off('change', onChange);
      resolve();
    };
    const t = setTimeout(() => {
      handle.off('change', onChange);
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    handle.on('change', onChange);
  });
}

async function pair(): Promise<[Agent, Agent]> {
  // Long heartbeats: the benchmark's own changes are the only traffic.
  const common = { listen: '127.0.0.1:0', token: TOKEN, heartbeatMs: 600_000, reconnectMs: 1000, learnPeers: false };
  const a = await startAgent({ name: 'bench-a', ...common });
  const b = await startAgent({ name: 'bench-b', ...common, peers: [a.address] });
  await waitFor(b.cluster, () => Object.keys(b.cluster.doc().hosts).length === 2, 10_000);
  await waitFor(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 2, 10_000);
  return [a, b];
}

function setSeq(handle: DocHandle<ClusterDoc>, hostId: string, seq: number): void {
  handle.change((d) => {
    const h = d.hosts[hostId];
    if (h) h.labels['seq'] = String(seq);
  });
}

async function measureLatency<T>(
  samples: number,
  write: (i: number) => void,
  observed: DocHandle<T>,
  seen: (i: number) => boolean,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 1; i <= samples; i++) {
    // automerge-repo throttles outgoing sync to one round per 100 ms per document: space the
    // samples so each measures an isolated change, not the throttle.
    await new Promise((r) => setTimeout(r, 110));
    const t0 = performance.now();
    const arrived = waitFor(observed, () => seen(i), 10_000);
    write(i);
    await arrived;
    times.push(performance.now() - t0);
  }
  return times.sort((x, y) => x - y);
}

/** Two bare automerge-repo peers over the same WebSocket adapters: one isolated change, A to B (sorted ms). */
export async function bareLatency(samples: number): Promise<number[]> {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // isomorphic-ws re-declares ws's server type; at run time it is the same class.
  const ra = new Repo({ peerId: 'bare-a' as PeerId, network: [new WebSocketServerAdapter(wss as unknown as ConstructorParameters<typeof WebSocketServerAdapter>[0])] });
  const rb = new Repo({ peerId: 'bare-b' as PeerId, network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 100)] });
  try {
    const ha = ra.create<{ seq: number }>({ seq: 0 });
    const hb = await rb.find<{ seq: number }>(ha.url);
    return await measureLatency(samples, (i) => ha.change((d) => void (d.seq = i)), hb, (i) => hb.doc().seq === i);
  } finally {
    await Promise.all([ra.shutdown(), rb.shutdown()]);
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const round = (x: number): number => Number(x.toFixed(3));

export const clusterSyncLatency: Benchmark = {
  name: 'cluster.sync.latency',
  async run(ctx) {
    const samples = ctx.quick ? 50 : 300;
    const base = await bareLatency(samples);
    const [a, b] = await pair();
    try {
      const times = await measureLatency(samples, (i) => setSeq(a.cluster, a.hostId, i), b.cluster, (i) => b.cluster.doc().hosts[a.hostId]?.labels['seq'] === String(i));
      const out: BenchResult[] = [];
      for (const p of [50, 99]) {
        out.push(
          withBaseline(
            { name: `cluster.sync.latency.p${p}`, value: round(percentile(times, p)), unit: 'ms', extra: { samples, transport: 'ws loopback, token auth' } },
            { name: `bare-automerge-repo.p${p}`, value: round(percentile(base, p)), unit: 'ms' },
          ),
        );
      }
      return out;
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  },
};

export const clusterSyncReconverge: Benchmark = {
  name: 'cluster.sync.reconverge',
  async run(ctx) {
    const changes = ctx.quick ? 1000 : 10_000;
    const [a, b] = await pair();
    try {
      b.removePeer(a.address); // b is the side that dials
      // Both sides notice the closed socket; poll (bounded) since no document changes announce it.
      for (let i = 0; i < 200 && a.connectedPeers().length + b.connectedPeers().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
      if (a.connectedPeers().length + b.connectedPeers().length > 0) throw new Error('partition did not take effect');
      const tw = performance.now();
      // N separate Automerge changes per side, applied to the handle at once: the repo handle's
      // per-change bookkeeping (patches, events) is not what this benchmark measures.
      for (const [agent, handle] of [[a, a.cluster], [b, b.cluster]] as const) {
        handle.update((doc) => {
          let d = doc;
          for (let i = 1; i <= changes; i++) {
            d = A.change(d, (x) => {
              const h = x.hosts[agent.hostId];
              if (h) h.labels['seq'] = String(i);
            });
          }
          return d;
        });
      }
      const writeMs = performance.now() - tw;
      ctx.log(`wrote ${changes} changes on each side in ${writeMs.toFixed(0)} ms`);
      // Floor: merging the two diverged documents in memory.
      const tm = performance.now();
      const merged = A.merge(A.clone(a.cluster.doc()), b.cluster.doc());
      const mergeMs = performance.now() - tm;
      const mergedHeads = A.getHeads(merged);
      const headsOf = (h: DocHandle<ClusterDoc>): string => [...A.getHeads(h.doc())].sort().join();
      // Converged: identical heads on both sides, and each side holds every change of the other
      // (heartbeats written on reconnect add changes beyond the in-memory merge).
      const same = (): boolean =>
        headsOf(a.cluster) === headsOf(b.cluster) && mergedHeads.every((x) => A.hasHeads(a.cluster.doc(), [x]) && A.hasHeads(b.cluster.doc(), [x]));
      const t0 = performance.now();
      b.addPeer(a.address);
      for (let i = 0; i < 12_000 && !same(); i++) await new Promise((r) => setTimeout(r, 5));
      if (!same()) throw new Error('the two agents did not converge within 60 s');
      const healMs = performance.now() - t0;
      return [
        withBaseline(
          { name: 'cluster.sync.reconverge', value: round(healMs), unit: 'ms', extra: { changesPerSide: changes, targetMs: 2000, withinTarget: healMs <= 2000 } },
          { name: 'in-memory-merge', value: round(mergeMs), unit: 'ms' },
        ),
      ];
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  },
};
