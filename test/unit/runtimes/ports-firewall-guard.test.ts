/** FirewallGuard over a fake FirewallLike (firewalld itself is exercised in test/system/). */
import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { FirewallGuard, guardedRules } from '../../../runtimes/firewall/index.js';
import type { FirewallLike, FirewallPortRule } from '../../../runtimes/firewall/index.js';
import type { PortSpec } from '../../../runtimes/workload.js';

class FakeFirewall implements FirewallLike {
  open = new Set<string>();
  failOn: number | undefined;
  static key = (r: FirewallPortRule): string => `${r.zone}/${r.protocol}/${r.port}`;
  async addPort(rule: FirewallPortRule): Promise<void> {
    if (rule.port === this.failOn) throw new KhutulunError('KH-FW-002', 'refused', { hint: 'x' });
    this.open.add(FakeFirewall.key(rule));
  }
  async removePort(rule: FirewallPortRule): Promise<void> {
    this.open.delete(FakeFirewall.key(rule));
  }
  async queryPort(rule: FirewallPortRule): Promise<boolean> {
    return this.open.has(FakeFirewall.key(rule));
  }
  async close(): Promise<void> {}
}

const ports: PortSpec[] = [
  { name: 'web', protocol: 'tcp', hostPort: 8080, firewallZone: 'public' },
  { name: 'dns', protocol: 'udp', hostPort: 5353, firewallZone: 'internal' },
  { name: 'private', protocol: 'tcp', hostPort: 9000 },
  { name: 'unreserved', protocol: 'tcp', firewallZone: 'public' },
];

describe('FirewallGuard', () => {
  it('guards only reserved ports that name a zone', () => {
    expect(guardedRules(ports)).toEqual([
      { port: 8080, protocol: 'tcp', zone: 'public' },
      { port: 5353, protocol: 'udp', zone: 'internal' },
    ]);
  });

  it('opens while running and closes on stop', async () => {
    const fw = new FakeFirewall();
    const guard = new FirewallGuard(fw);
    await guard.open(ports);
    expect([...fw.open].sort()).toEqual(['internal/udp/5353', 'public/tcp/8080']);
    await guard.close(ports);
    expect(fw.open.size).toBe(0);
  });

  it('a failure while opening closes what it had opened, then reports the coded error', async () => {
    const fw = new FakeFirewall();
    fw.failOn = 5353;
    const err = await new FirewallGuard(fw).open(ports).catch((e: unknown) => e);
    expect((err as KhutulunError).code).toBe('KH-FW-002');
    expect(fw.open.size).toBe(0);
  });
});
