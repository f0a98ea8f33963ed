/**
 * The multi-host harness itself: namespaces get their own addresses, hosts reach each other
 * through the bridge, a cut isolates exactly one host, a heal restores it, and everything is
 * removed afterwards. Each host runs a tiny node TCP server (a real process in its namespace).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsCluster, netnsAvailable, waitFor } from './netns-harness.js';

const SERVER = `
const net = require('node:net');
const name = process.argv[1];
net.createServer((s) => s.end(name + '\\n')).listen(7000, process.argv[2], () => console.log('listening'));
`;

const CLIENT = `
const net = require('node:net');
const s = net.connect({ host: process.argv[1], port: 7000, timeout: 1500 });
let out = '';
s.on('data', (d) => (out += d));
s.on('end', () => { console.log('ok ' + out.trim()); process.exit(0); });
s.on('timeout', () => { console.log('unreachable'); process.exit(0); });
s.on('error', (e) => { console.log('unreachable ' + e.code); process.exit(0); });
`;

describe.skipIf(!netnsAvailable())('netns multi-host harness', () => {
  let net: NetnsCluster;

  beforeAll(async () => {
    net = NetnsCluster.create(3);
    for (let i = 0; i < 3; i++) {
      const p = net.spawn(i, process.execPath, ['-e', SERVER, `host${i}`, net.address(i)]);
      await waitFor(`server on host ${i}`, () => (p.output().includes('listening') ? true : undefined), 10_000, 50);
    }
  });

  afterAll(async () => {
    await net?.destroy();
  });

  async function reach(from: number, to: number): Promise<string> {
    const p = net.spawn(from, process.execPath, ['-e', CLIENT, net.address(to)]);
    await p.exited;
    return p.output().trim();
  }

  it('gives every host its own address and connects them through the bridge', async () => {
    const shown = execFileSync('ip', ['-n', net.namespace(1), '-4', 'addr', 'show', 'eth0']).toString();
    expect(shown).toContain(`${net.address(1)}/24`);
    expect(await reach(0, 1)).toBe('ok host1');
    expect(await reach(2, 0)).toBe('ok host0');
  });

  it('keeps the machine own network out: a host namespace has no route but its own subnet', () => {
    const routes = execFileSync('ip', ['-n', net.namespace(0), 'route']).toString().trim().split('\n');
    expect(routes).toEqual([expect.stringMatching(/^10\.231\.0\.0\/24 dev eth0/)]);
  });

  it('cut isolates exactly one host, heal restores it', async () => {
    net.cut(2);
    expect(await reach(0, 2)).toMatch(/^unreachable/);
    expect(await reach(2, 1)).toMatch(/^unreachable/);
    expect(await reach(0, 1)).toBe('ok host1');
    net.heal(2);
    await waitFor('host 2 back', async () => ((await reach(0, 2)) === 'ok host2' ? true : undefined), 15_000, 100);
    expect(await reach(2, 1)).toBe('ok host1');
  });

  it('destroy removes every namespace and process it created', async () => {
    const other = NetnsCluster.create(2);
    const p = other.spawn(0, process.execPath, ['-e', SERVER, 'x', other.address(0)]);
    await waitFor('server', () => (p.output().includes('listening') ? true : undefined), 10_000, 50);
    await other.destroy();
    expect(p.child.pid !== undefined && p.child.exitCode === null && p.child.signalCode === null).toBe(false);
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(`kh-${other.run}-`);
  });
});
