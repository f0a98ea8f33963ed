/** Two stores synced by the real automerge-repo WebSocket adapters on 127.0.0.1. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { openStore, parseEntityId } from '../../../store/index.js';
import type { ChangeEvent, Deployment, Store } from '../../../store/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function waitFor(dep: Deployment, pred: (e: ChangeEvent) => boolean, ms = 10_000): Promise<ChangeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('timed out waiting for a change event'))), ms);
    const off = dep.subscribe((evs) => {
      const hit = evs.find(pred);
      if (hit) {
        clearTimeout(timer);
        off();
        resolve(hit);
      }
    });
  });
}

async function pair(): Promise<[Store, Store]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
  const port = (wss.address() as AddressInfo).port;
  const a = await openStore({ hostId: 'ha', network: [new WebSocketServerAdapter(wss as never)] });
  cleanups.push(() => a.close());
  const b = await openStore({ hostId: 'hb', network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 100)], clusterUrl: a.cluster.url, findTimeoutMs: 10_000 });
  cleanups.push(() => b.close());
  return [a, b];
}

describe('sync over WebSocket (loopback)', () => {
  it('a change on A arrives on B as a remote event, and back', async () => {
    const [a, b] = await pair();
    const da = await a.createDeployment('web');
    await da.create('vertex', { id: 'v', properties: { p: { value: 1n } } });
    await a.flush();
    // B learns the deployment through the synced cluster document.
    for (let i = 0; i < 100 && b.listDeployments().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const db = await b.openDeployment('web');
    for (let i = 0; i < 100 && !db.get('vertex', 'v'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(db.getProperty(parseEntityId('vertex', 'v'), 'p')?.value).toBe(1n);

    const seenOnB = waitFor(db, (e) => e.field === 'property' && e.property === 'p');
    await da.setProperty(parseEntityId('vertex', 'v'), 'p', 2n);
    const ev = await seenOnB;
    expect(ev.local).toBe(false);
    expect((ev.new as { value: bigint }).value).toBe(2n);

    const seenOnA = waitFor(da, (e) => e.field === 'owner');
    await db.setOwner('v', 'hb');
    expect((await seenOnA).new).toBe('hb');
    expect(da.require('vertex', 'v').owner).toBe('hb');
  });
});
