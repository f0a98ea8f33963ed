/**
 * ovn.wire: a logical switch with an ACL plus two workloads (network namespaces) wired onto it
 * until TCP passes between them, through OvnNetworkAdapter (ensure + 2 attach), against the same
 * ovn-nbctl / ovs-vsctl / ip / ethtool commands run by a shell script, in the same run, polled by
 * the same TCP probe. Needs OVS/OVN from scripts/ci/daemons.sh (KH_OVN_NB_DB, KH_OVS_DB,
 * KH_OVN_BRIDGE). Each round checks TCP really passes and that removal left no port behind.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { OvnNetworkAdapter } from '../runtimes/ovn/index.js';
import type { Benchmark, BenchContext, BenchResult } from './types.js';
import { withBaseline } from './types.js';

const run = promisify(execFile);
const PORT = 9000;

// The same shell commands the adapter issues, in the same order (the baseline).
const SCRIPT = `#!/bin/bash
set -euo pipefail
NB=$1 OVS=$2 BR=$3 SW=$4 NS1=$5 NS2=$6
ovn-nbctl --db=$NB --wait=hv ls-add $SW -- acl-add $SW to-lport 2000 "ip4 && tcp.dst == 9001" reject
i=0
for ns in $NS1 $NS2; do
  i=$((i+1)); p=$SW-p$i; h=\${SW}h$i; mac=0a:00:00:00:00:0$i
  ovn-nbctl --db=$NB lsp-add $SW $p -- lsp-set-addresses $p "$mac 10.99.0.1$i"
  ip netns exec $ns ip link add eth$i type veth peer name $h netns $PPID
  ip netns exec $ns ip link set eth$i address $mac
  ip netns exec $ns ip addr add 10.99.0.1$i/24 dev eth$i
  ip netns exec $ns ip link set lo up
  ip netns exec $ns ip link set eth$i up
  ip netns exec $ns ethtool -K eth$i tx off >/dev/null
  ip link set $h up
  ethtool -K $h tx off >/dev/null
  ovs-vsctl --db=$OVS add-port $BR $h -- set interface $h external_ids:iface-id=$p
  until [ "$(ovn-nbctl --db=$NB lsp-get-up $p)" = up ]; do sleep 0.05; done
done
ovn-nbctl --db=$NB --wait=hv sync
`;

/** A long-lived client in a namespace: answers each "address port" line with ok/fail (one attempt). */
const PROBE = `const net = require('node:net');
require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [host, port] = l.split(' ');
  const s = net.connect({ host, port: Number(port) });
  const done = (r) => { s.destroy(); console.log(r); };
  s.setTimeout(500, () => done('fail'));
  s.on('connect', () => done('ok'));
  s.on('error', () => done('fail'));
});`;
const SERVER = `require('node:net').createServer((s) => s.end()).listen(${PORT});`;

interface Pair {
  ns: [string, string];
  children: ChildProcess[];
  probe: (address: string) => Promise<boolean>;
}

async function makePair(tag: string): Promise<Pair> {
  const ns: [string, string] = [`khbw${tag}a`, `khbw${tag}b`];
  for (const n of ns) await run('ip', ['netns', 'add', n]);
  const server = spawn('ip', ['netns', 'exec', ns[1], process.execPath, '-e', SERVER], { stdio: 'ignore' });
  const client = spawn('ip', ['netns', 'exec', ns[0], process.execPath, '-e', PROBE], { stdio: ['pipe', 'pipe', 'ignore'] });
  const answers: ((ok: boolean) => void)[] = [];
  createInterface({ input: client.stdout! }).on('line', (l) => answers.shift()?.(l === 'ok'));
  const probe = (address: string): Promise<boolean> =>
    new Promise((resolve) => {
      answers.push(resolve);
      client.stdin!.write(`${address} ${PORT}\n`);
    });
  return { ns, children: [server, client], probe };
}

async function dropPair(p: Pair): Promise<void> {
  for (const c of p.children) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
  for (const n of p.ns) await run('ip', ['netns', 'delete', n]).catch(() => undefined);
}

/** Polls until TCP from the first namespace reaches address:PORT (bounded). */
async function untilTcp(p: Pair, address: string): Promise<void> {
  for (let i = 0; i < 200; i++) if (await p.probe(address)) return;
  throw new Error(`TCP to ${address}:${PORT} never passed`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const ovnWire: Benchmark = {
  name: 'ovn.wire',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const nbDb = process.env['KH_OVN_NB_DB'];
    const ovsDb = process.env['KH_OVS_DB'];
    const bridge = process.env['KH_OVN_BRIDGE'];
    if (!nbDb || !ovsDb || !bridge) throw new Error('KH_OVN_NB_DB/KH_OVS_DB/KH_OVN_BRIDGE are not set: run scripts/ci/daemons.sh start-ovn and source $KH_CI_BASE/daemons.env');
    const script = join(ctx.tmpDir, 'ovn-wire.sh');
    writeFileSync(script, SCRIPT, { mode: 0o755 });
    const adapter = new OvnNetworkAdapter({ nbDb, ovsDb, bridge });
    await adapter.ready();
    const rounds = ctx.quick ? 3 : 10;
    const ours: number[] = [];
    const shell: number[] = [];
    try {
      // Round 0 warms both paths (page cache, ovn-controller's first flows) and is not counted.
      for (let i = 0; i <= rounds; i++) {
        const tag = `${process.pid % 10000}${i}`;
        const a = await makePair(`${tag}k`);
        try {
          const id = `bench/ovn-wire-${tag}`;
          const t = performance.now();
          await adapter.ensure(id, { kind: 'network', cidr: '10.98.0.0/24', acls: [{ action: 'reject', protocol: 'tcp', port: PORT + 1 }] });
          await adapter.attach(id, 'bench/a', `/run/netns/${a.ns[0]}`);
          const b = await adapter.attach(id, 'bench/b', `/run/netns/${a.ns[1]}`);
          await untilTcp(a, b.address);
          if (i > 0) ours.push(performance.now() - t);
          await adapter.remove(id);
          if ((await adapter.observe(id)) !== undefined) throw new Error(`${id} survived its removal`);
        } finally {
          await dropPair(a);
        }
        const s = await makePair(`${tag}s`);
        const sw = `khbw${tag}`;
        try {
          const t = performance.now();
          await run(script, [nbDb, ovsDb, bridge, sw, ...s.ns]);
          await untilTcp(s, '10.99.0.12');
          if (i > 0) shell.push(performance.now() - t);
        } finally {
          await run('ovs-vsctl', [`--db=${ovsDb}`, '--if-exists', 'del-port', bridge, `${sw}h1`, '--', '--if-exists', 'del-port', bridge, `${sw}h2`]);
          await run('ovn-nbctl', [`--db=${nbDb}`, '--if-exists', 'ls-del', sw]);
          await dropPair(s);
        }
      }
    } finally {
      await adapter.close();
    }
    ctx.log(`ovn.wire: adapter ${ours.map((x) => x.toFixed(0)).join(' ')} ms; script ${shell.map((x) => x.toFixed(0)).join(' ')} ms`);
    return [
      withBaseline(
        { name: 'ovn.wire.p50', value: Number(median(ours).toFixed(1)), unit: 'ms', extra: { rounds, ports: 2, acls: 1, statistic: 'median' } },
        { name: 'the same ovn-nbctl/ovs-vsctl/ip/ethtool commands from a bash script (median)', value: Number(median(shell).toFixed(1)), unit: 'ms' },
      ),
    ];
  },
};
