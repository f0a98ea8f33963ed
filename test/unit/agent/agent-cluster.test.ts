import { afterEach, describe, expect, it } from 'vitest';
import type { AutomergeUrl } from '@automerge/automerge-repo';
import { parseAutomergeUrl } from '@automerge/automerge-repo';
import { ManualClock } from '../../../common/index.js';
import { eventually, harness, until } from './helpers.js';
import { testEngine, WEB_APP } from './test-engine.js';

describe('agents on one cluster (real sync over loopback WebSockets)', () => {
  const h = harness();
  afterEach(() => h.close());

  it('two agents converge on one cluster document and see each other connected', async () => {
    const a = await h.start('alpha', { labels: { zone: 'a' } });
    const b = await h.start('beta', { peers: [a.address] });
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 2, 10_000, 'alpha to see beta');
    await until(b.cluster, () => Object.keys(b.cluster.doc().hosts).length === 2, 10_000, 'beta to see alpha');
    expect(a.cluster.documentId).toBe(b.cluster.documentId);
    const hosts = a.hosts();
    expect(hosts.map((x) => x.name)).toEqual(['alpha', 'beta']);
    expect(hosts.every((x) => x.connected)).toBe(true);
    expect(hosts.find((x) => x.name === 'alpha')?.labels).toEqual({ zone: 'a' });
    expect(hosts[0]!.capacity.cpus).toBeGreaterThan(0);
    expect(a.connectedPeers()).toEqual([b.hostId]);
  });

  it('a third agent learns the others from the cluster document, not only from --peer', async () => {
    const a = await h.start('alpha');
    const b = await h.start('beta', { peers: [a.address] });
    const c = await h.start('gamma', { peers: [b.address] });
    await until(c.cluster, () => Object.keys(c.cluster.doc().hosts).length === 3, 10_000, 'gamma to see all');
    // alpha and gamma were never told about each other; one of them dials the other (smaller id dials).
    await until(undefined, () => a.connectedPeers().includes(c.hostId) && c.connectedPeers().includes(a.hostId), 20_000, 'alpha<->gamma link');
  });

  it('a peer with the wrong token is refused and never syncs', async () => {
    const logs: string[] = [];
    const a = await h.start('alpha', { logger: { log: (_l, m) => void logs.push(m) } });
    const intruder = await h.start('intruder', { token: 'wrong-token-xxxxxxxx', peers: [a.address], learnPeers: false });
    await until(undefined, () => logs.includes('refused sync connection'), 5000, 'the refusal to be logged');
    expect(Object.keys(a.cluster.doc().hosts)).toEqual([a.hostId]);
    expect(a.connectedPeers()).toEqual([]);
    expect(intruder.connectedPeers()).toEqual([]);
  });

  it('a disconnected peer shows as not connected once its heartbeat goes stale', async () => {
    const a = await h.start('alpha', { heartbeatMs: 100, staleAfterMs: 300 });
    const b = await h.start('beta', { peers: [a.address], heartbeatMs: 100, staleAfterMs: 300, learnPeers: false });
    await until(undefined, () => a.hosts().length === 2 && a.hosts().every((x) => x.connected), 10_000, 'both connected');
    await b.close();
    await until(undefined, () => a.hosts().find((x) => x.name === 'beta')?.connected === false, 10_000, 'beta to go stale');
    expect(a.connectedPeers()).toEqual([]);
  });

  it('keeps its identity and cluster state across a restart (persistent storage)', async () => {
    const dir = h.tmp();
    const a1 = await h.start('alpha', { stateDir: dir, labels: { v: '1' } });
    const id = a1.hostId;
    await a1.close();
    const a2 = await h.start('alpha', { stateDir: dir, labels: { v: '2' } });
    expect(a2.hostId).toBe(id);
    expect(Object.keys(a2.cluster.doc().hosts)).toEqual([id]);
    expect(a2.cluster.doc().hosts[id]?.labels).toEqual({ v: '2' });
  });

  it('pushes a deployment document only to hosts with a role in it (explicit share policy)', async () => {
    const [dA, dB, dC] = [h.tmp(), h.tmp(), h.tmp()];
    const [tA, tB, tC] = [testEngine({ stateDir: dA }), testEngine({ stateDir: dB }), testEngine({ stateDir: dC })];
    const a = await h.start('alpha', { stateDir: dA, engine: tA.engine, labels: { role: 'web' } });
    const b = await h.start('beta', { stateDir: dB, engine: tB.engine, peers: [a.address], labels: { role: 'db' } });
    const c = await h.start('gamma', { stateDir: dC, engine: tC.engine, peers: [a.address] });
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 3, 10_000, 'membership');
    // db is placed on beta, app and proxy on alpha (host_labels); gamma has no role.
    const source = WEB_APP.replace('    db:\n      type: Root', '    db:\n      type: Root\n      properties: { host_labels: { role: db } }')
      .replace('    app:\n      type: Root', '    app:\n      type: Root\n      properties: { host_labels: { role: web } }')
      .replace('    proxy:\n      type: Root', '    proxy:\n      type: Root\n      properties: { host_labels: { role: web } }');
    await a.deployments.deploy({ name: 'web', source, inputs: {} });
    await eventually(async () => ((await a.deployments.status('web')).state === 'deployed' ? true : undefined), 20_000, 'deployed');
    const url = a.cluster.doc().deployments['web']!.docUrl as AutomergeUrl;
    const id = parseAutomergeUrl(url).documentId;
    await until(b.cluster, () => b.cluster.doc().deployments['web'] !== undefined, 10_000, 'index on beta');
    await until(c.cluster, () => c.cluster.doc().deployments['web'] !== undefined, 10_000, 'index on gamma');
    await until(undefined, () => b.repo.handles[id]?.isReady() === true, 10_000, 'beta to receive the document');
    expect(c.repo.handles[id]).toBeUndefined();
    // gamma may still ask for it (status from any host), and gets it.
    expect((await c.deployments.status('web')).state).toBe('deployed');
    // Only owners run their nodes, in dependency order across hosts: db on beta, then app and proxy on alpha.
    expect(tB.calls).toEqual(['start web/db']);
    expect(tA.calls).toEqual(['start web/app', 'start web/proxy']);
    expect(tC.calls).toEqual([]);
    // Undeploy from gamma (no role): beta stops db only after alpha stopped app.
    await c.deployments.undeploy('web');
    expect(tA.calls.slice(2)).toEqual(['stop web/proxy', 'stop web/app']);
    expect(tB.calls.slice(1)).toEqual(['stop web/db']);
    await until(a.cluster, () => a.cluster.doc().deployments['web'] === undefined, 10_000, 'index cleared');
  });

  it('beats on the injected clock, writing the document only every heartbeatPersistMs', async () => {
    const clock = new ManualClock(1_000_000);
    const a = await h.start('alpha', { clock, heartbeatMs: 5000, heartbeatPersistMs: 15_000 });
    const docSeen = (): number | undefined => a.cluster.doc().hosts[a.hostId]?.lastSeen;
    expect(docSeen()).toBe(1_000_000);
    clock.advance(5000);
    expect(docSeen()).toBe(1_000_000); // ephemeral beat only
    expect(a.hosts()[0]?.lastSeen).toBe(new Date(1_005_000).toISOString());
    clock.advance(10_000);
    expect(docSeen()).toBe(1_015_000); // the third beat is persisted
    expect(a.hosts()[0]?.lastSeen).toBe(new Date(1_015_000).toISOString());
  });

  it('judges indirect hosts by when their heartbeat advanced on our clock, not by their skewed clock', async () => {
    const behind = { now: () => Date.now() - 3_600_000, setTimeout: (fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    } };
    const a = await h.start('alpha', { learnPeers: false, heartbeatMs: 100, staleAfterMs: 1000 });
    const b = await h.start('beta', { peers: [a.address], learnPeers: false, heartbeatMs: 100, staleAfterMs: 1000 });
    const c = await h.start('gamma', { peers: [b.address], learnPeers: false, heartbeatMs: 100, staleAfterMs: 1000, clock: behind });
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 3, 10_000, 'membership');
    expect(a.connectedPeers()).toEqual([b.hostId]); // gamma is only reachable through beta
    await until(undefined, () => a.hosts().find((x) => x.name === 'gamma')?.connected === true, 5000, 'gamma connected via beta');
    // Past staleAfterMs with no document write from gamma (it persists every 60 s): only its
    // ephemeral heartbeats, relayed by beta, keep it connected.
    const docSeen = a.cluster.doc().hosts[c.hostId]?.lastSeen;
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.cluster.doc().hosts[c.hostId]?.lastSeen).toBe(docSeen);
    expect(a.hosts().find((x) => x.name === 'gamma')?.connected).toBe(true);
    await c.close();
    await until(undefined, () => a.hosts().find((x) => x.name === 'gamma')?.connected === false, 10_000, 'gamma stale');
  });
});
