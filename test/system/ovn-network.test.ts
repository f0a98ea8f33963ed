/**
 * The OVN network runtime against the real daemons scripts/ci/daemons.sh starts (OVS userspace
 * datapath, OVN NB/SB, northd, ovn-controller): the network adapter contract with workloads in
 * network namespaces this test makes, then the OVN faults (name clash, a workload that died, the
 * host's own namespace, a missing or unreachable OVN), each followed by a listing of the backend.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import { runNetworkAdapterTests } from '../contracts/index.js';
import { OvnNetworkAdapter, switchName } from '../../runtimes/ovn/index.js';
import type { NetworkSpec } from '../../runtimes/ovn/index.js';
import { connect, dropNamespace, leftovers, makeNamespace, nb, ovsDb, bridge, nbDb, serve, stopChildren, teardown } from './ovn-fixture.js';

const enabled = ((): boolean => {
  if (nbDb && ovsDb && bridge) return true;
  if (process.env['CI']) throw new Error('KH_OVN_NB_DB is not set: scripts/ci/daemons.sh start did not start OVN');
  return false;
})();

const network = (rejectPort?: number): NetworkSpec => ({
  kind: 'network',
  cidr: '10.77.0.0/24',
  ...(rejectPort !== undefined ? { acls: [{ action: 'reject', protocol: 'tcp', port: rejectPort }] } : {}),
});
const adapter = (): OvnNetworkAdapter => new OvnNetworkAdapter({ nbDb: nbDb!, ovsDb: ovsDb!, bridge: bridge! });

afterAll(teardown);

describe.skipIf(!enabled)('OVN networks (real OVS/OVN, userspace datapath)', () => {
  runNetworkAdapterTests('ovn', async () => {
    const made: string[] = [];
    return {
      create: async () => adapter(),
      network,
      badSpec: () => ({ kind: 'network', cidr: '10.77.0.1/24' }),
      namespaces: async () => {
        const pair: [string, string] = [makeNamespace(), makeNamespace()];
        made.push(...pair);
        return pair;
      },
      serve,
      connect,
      leftovers: async (id) => leftovers(id, ['contract/a', 'contract/b', 'contract/client', 'contract/server']),
      codes: { badSpec: 'KH-OVN-BAD-SPEC', noNetwork: 'KH-OVN-NO-NETWORK' },
      async cleanup() {
        stopChildren();
        const a = adapter();
        for (const o of await a.list()) if (o.id.startsWith('contract/')) await a.remove(o.id);
        for (const n of made.splice(0)) dropNamespace(n);
      },
    };
  });

  const code = async (p: Promise<unknown>): Promise<string> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint ?? '').not.toBe('');
    return (e as KhutulunError).code;
  };

  it('a switch of the same name that is not ours is a name clash, left untouched', async () => {
    const id = `fault/clash-${process.pid}`;
    nb('ls-add', switchName(id));
    try {
      expect(await code(adapter().ensure(id, network()))).toBe('KH-OVN-NAME-CLASH');
      expect(nb('--bare', '--columns=name', 'find', 'logical_switch', `name="${switchName(id)}"`).trim()).toBe(switchName(id));
    } finally {
      nb('--if-exists', 'ls-del', switchName(id));
    }
  });

  it('refuses the host namespace and a dead one; a workload that died is cleaned up by detach and re-attached', async () => {
    const a = adapter();
    const id = `fault/net-${process.pid}`;
    await a.ensure(id, network());
    try {
      expect(await code(a.attach(id, 'fault/w', '/proc/self/ns/net'))).toBe('KH-OVN-NETNS');
      expect(await code(a.attach(id, 'fault/w', '/run/netns/kh-no-such-ns'))).toBe('KH-OVN-NETNS');
      expect(leftovers(id, ['fault/w'])).toEqual([`switch ${switchName(id)}`]);
      const ns = makeNamespace();
      const first = await a.attach(id, 'fault/w', ns);
      dropNamespace(ns); // the workload died: its veth pair went with its namespace
      const again = makeNamespace();
      const second = await a.attach(id, 'fault/w', again); // stale port replaced, same address
      expect(second.address).toBe(first.address);
      expect((await a.attachments(id)).length).toBe(1);
      dropNamespace(again);
      await a.detach(id, 'fault/w');
      expect(leftovers(id, ['fault/w'])).toEqual([`switch ${switchName(id)}`]);
    } finally {
      await a.remove(id);
    }
    expect(leftovers(id, ['fault/w'])).toEqual([]);
  });

  it('an unreachable northbound database and missing binaries are coded, actionable errors', async () => {
    const down = new OvnNetworkAdapter({ nbDb: 'unix:/nonexistent/ovnnb_db.sock', ovsDb: ovsDb!, bridge: bridge! });
    expect(await code(down.ready())).toBe('KH-OVN-UNREACHABLE');
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(await code(adapter().ready())).toBe('KH-OVN-UNAVAILABLE');
    } finally {
      process.env['PATH'] = path;
    }
  });
});
