import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as A from '@automerge/automerge';
import { ManualClock, KhutulunError } from '../../../common/index.js';
import { checkDependencies, clusterDocumentId, clusterGenesis, parseHostPort, formatHostPort, parseLabels, resolveAgentOptions } from '../../../agent/index.js';
import type { ClusterDoc } from '../../../agent/index.js';
import { authenticate, authorize, presentedToken, tokenDigest } from '../../../agent/auth.js';
import { checkRequestGuard, hostOfHeader } from '../../../agent/request-guard.js';
import { heartbeat, upsertHost } from '../../../agent/cluster-doc.js';
import { learnedDials } from '../../../agent/peer-plan.js';
import { shouldAnnounce } from '../../../agent/share-policy.js';

const host = (id: string, address: string, lastSeen = 0) => ({
  id,
  name: id,
  addresses: [address],
  labels: {},
  capacity: { cpus: 2, memoryBytes: 1 },
  startedAt: 0,
  lastSeen,
  peers: [],
});

describe('cluster document', () => {
  it('every host derives the same id and a byte-identical genesis, so separate starts merge into one root', () => {
    expect(clusterDocumentId('edge')).toBe(clusterDocumentId('edge'));
    expect(clusterDocumentId('edge')).not.toBe(clusterDocumentId('core'));
    expect(clusterGenesis()).toEqual(clusterGenesis());
    let a = A.load<ClusterDoc>(clusterGenesis());
    let b = A.load<ClusterDoc>(clusterGenesis());
    a = A.change(a, (d) => upsertHost(d, host('h-a', 'a:1')));
    b = A.change(b, (d) => upsertHost(d, host('h-b', 'b:1')));
    const m = A.merge(a, b);
    expect(Object.keys(m.hosts).sort()).toEqual(['h-a', 'h-b']);
  });

  it('a heartbeat touches only the host own record, on the injected clock', () => {
    const clock = new ManualClock(1000);
    let d = A.change(A.load<ClusterDoc>(clusterGenesis()), (x) => upsertHost(x, host('h-a', 'a:1', clock.now())));
    clock.advance(5000);
    d = A.change(d, (x) => heartbeat(x, 'h-a', clock.now(), ['h-c', 'h-b']));
    expect(d.hosts['h-a']).toMatchObject({ lastSeen: 6000, peers: ['h-b', 'h-c'] });
    const before = A.getHeads(d);
    d = A.change(d, (x) => heartbeat(x, 'h-unknown', clock.now(), []));
    expect(A.getHeads(d)).toEqual(before); // unknown host: no change recorded
  });
});

describe('share policy', () => {
  const cid = clusterDocumentId('default');
  const deploymentUrl = 'automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ';
  const depId = deploymentUrl.slice('automerge:'.length) as ReturnType<typeof clusterDocumentId>;
  const cluster: ClusterDoc = {
    version: 1,
    hosts: {},
    deployments: { web: { name: 'web', docUrl: deploymentUrl, hosts: ['h-a', 'h-b'], createdAt: 0, createdBy: 'h-a' } },
  };
  it('announces the cluster document to everyone and a deployment only to hosts with a role', () => {
    expect(shouldAnnounce(cid, cluster, 'h-z', cid)).toBe(true);
    expect(shouldAnnounce(cid, cluster, 'h-b', depId)).toBe(true);
    expect(shouldAnnounce(cid, cluster, 'h-z', depId)).toBe(false);
    expect(shouldAnnounce(cid, cluster, 'h-a', clusterDocumentId('other'))).toBe(false);
  });
});

describe('peer planning (bounded fan-out, no crossed dials)', () => {
  it('dials only unknown, unconnected hosts with a larger id, within the budget', () => {
    const cluster = { hosts: { 'h-1': host('h-1', 'x:1'), 'h-2': host('h-2', 'x:2'), 'h-3': host('h-3', 'x:3'), 'h-4': host('h-4', 'x:4') } };
    expect(learnedDials({ selfId: 'h-2', cluster, connected: new Set(['h-3']), dialing: new Set(), maxPeers: 8 })).toEqual(['x:4']);
    expect(learnedDials({ selfId: 'h-1', cluster, connected: new Set(), dialing: new Set(['x:9']), maxPeers: 2 })).toEqual(['x:2']);
    expect(learnedDials({ selfId: 'h-4', cluster, connected: new Set(), dialing: new Set(), maxPeers: 8 })).toEqual([]);
  });

  it('property: never dials itself, a connected host, twice, or beyond maxPeers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 12 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (ids, self, maxPeers, conn) => {
        const hosts = Object.fromEntries(ids.map((i) => [`h-${String(i).padStart(2, '0')}`, host(`h-${String(i).padStart(2, '0')}`, `x:${i}`)]));
        const selfId = `h-${String(self).padStart(2, '0')}`;
        const connected = new Set(ids.filter((_, k) => conn[k]).map((i) => `h-${String(i).padStart(2, '0')}`));
        const dials = learnedDials({ selfId, cluster: { hosts }, connected, dialing: new Set(), maxPeers });
        expect(dials.length).toBeLessThanOrEqual(maxPeers);
        expect(new Set(dials).size).toBe(dials.length);
        expect(dials).not.toContain(`x:${self}`);
        for (const d of dials) expect(connected.has(`h-${d.slice(2).padStart(2, '0')}`)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('auth', () => {
  const policy = {
    credentials: [
      { name: 'cluster', role: 'admin' as const, sha256: tokenDigest('secret-token-123') },
      { name: 'ci', role: 'operator' as const, sha256: tokenDigest('ci-token-456') },
      { name: 'edge-2', role: 'peer' as const, sha256: tokenDigest('peer-token-789') },
    ],
  };
  it('needs the exact token of a known credential, from any address (no loopback exception)', () => {
    expect(authorize(policy, 'secret-token-123', 'read')).toEqual({ ok: true, credential: { name: 'cluster', role: 'admin' } });
    expect(authorize(policy, undefined, 'read')).toEqual({ ok: false, reason: 'missing-token' });
    expect(authorize(policy, 'secret-token-12', 'read')).toEqual({ ok: false, reason: 'bad-token' });
    expect(authorize({ credentials: [] }, 'anything', 'read').ok).toBe(false);
  });
  it('grants by role: an operator may deploy but not sync, a peer may sync but not read', () => {
    expect(authorize(policy, 'ci-token-456', 'deploy').ok).toBe(true);
    expect(authorize(policy, 'ci-token-456', 'sync')).toMatchObject({ ok: false, reason: 'forbidden', credential: { name: 'ci' } });
    expect(authorize(policy, 'peer-token-789', 'sync').ok).toBe(true);
    expect(authorize(policy, 'peer-token-789', 'read')).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(authenticate(policy, 'ci-token-456')).toEqual({ ok: true, credential: { name: 'ci', role: 'operator' } });
  });
  it('reads Bearer headers always and ?token= only where allowed (the sync upgrade)', () => {
    expect(presentedToken({ headers: { authorization: 'Bearer abc' }, url: '/' })).toBe('abc');
    expect(presentedToken({ headers: {}, url: '/sync?token=a%2Fb' }, true)).toBe('a/b');
    expect(presentedToken({ headers: {}, url: '/v1/hosts?token=a' })).toBeUndefined();
    expect(presentedToken({ headers: {}, url: '/sync' }, true)).toBeUndefined();
  });
  it('refuses foreign Host names (DNS rebinding) and cross-site requests', () => {
    const guard = { allowedHosts: new Set(['edge-1.example']) };
    expect(hostOfHeader('[::1]:7700')).toBe('::1');
    expect(hostOfHeader('Localhost:80')).toBe('localhost');
    expect(checkRequestGuard(guard, { host: '127.0.0.1:7700' })).toBeUndefined();
    expect(checkRequestGuard(guard, { host: '[::1]:7700' })).toBeUndefined();
    expect(checkRequestGuard(guard, { host: 'localhost:7700' })).toBeUndefined();
    expect(checkRequestGuard(guard, { host: 'edge-1.example:7700' })).toBeUndefined();
    expect(checkRequestGuard(guard, { host: 'evil.example:7700' })).toMatch(/DNS rebinding/);
    expect(checkRequestGuard(guard, {})).toMatch(/no Host/);
    expect(checkRequestGuard(guard, { host: '127.0.0.1:7700', origin: 'https://evil.example' })).toMatch(/cross-site/);
    expect(checkRequestGuard(guard, { host: '127.0.0.1:7700', 'sec-fetch-site': 'cross-site' })).toMatch(/cross-site/);
  });
});

describe('options', () => {
  it('parses addresses and labels, and rejects bad ones with coded errors', () => {
    expect(parseHostPort('10.0.0.1:7700')).toEqual({ host: '10.0.0.1', port: 7700 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(formatHostPort({ host: '::1', port: 80 })).toBe('[::1]:80');
    expect(parseLabels('zone=a, tier=edge')).toEqual({ zone: 'a', tier: 'edge' });
    for (const bad of ['nohost', '1.2.3.4:99999', 'a:b']) expect(() => parseHostPort(bad)).toThrow(KhutulunError);
    expect(() => parseLabels('novalue')).toThrow(/invalid label/);
    const e = (() => {
      try {
        resolveAgentOptions({ name: 'x' });
      } catch (error) {
        return error as KhutulunError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('KH-AGENT-001');
    expect(e?.hint).toContain('--token-file');
    expect(() => resolveAgentOptions({ name: 'bad name', token: '0123456789abcdef' })).toThrow(/invalid host name/);
    expect(() => resolveAgentOptions({ name: 'x', allowLoopback: true } as never)).toThrow(/allowLoopback was removed/);
    expect(() => resolveAgentOptions({ name: 'x', token: 'short' })).toThrow(/too short/);
  });
});

describe('dependency check before a deployment is recorded', () => {
  it('accepts a DAG and rejects cycles and dangling requirements with coded errors', () => {
    expect(() =>
      checkDependencies([
        { id: 'proxy', dependsOn: ['app'] },
        { id: 'app', dependsOn: ['db', 'cache'] },
        { id: 'db', dependsOn: [] },
        { id: 'cache', dependsOn: [] },
      ]),
    ).not.toThrow();
    expect(() => checkDependencies([{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }])).toThrow(expect.objectContaining({ code: 'KH-ACTOR-005', message: expect.stringMatching(/cycle among a, b/) as string }) as Error);
    expect(() => checkDependencies([{ id: 'a', dependsOn: ['ghost'] }])).toThrow(expect.objectContaining({ code: 'KH-AGENT-050', message: expect.stringMatching(/unknown node "ghost"/) as string }) as Error);
  });
});
