/**
 * Ports guarded for containers too: the production port binding (agent/port-binding.ts, as
 * local-host wires it) over the real podman adapter and the real firewalld that
 * scripts/ci/daemons.sh starts. A container's zoned published port is in its firewalld zone while
 * it runs and out of it after remove. (Traffic through the rule is checked for processes in
 * firewall-firewalld.test.ts; the container publishes in the host namespace, firewalld runs in its own.)
 */
import { describe, expect, it } from 'vitest';
import { PortBindingRuntime } from '../../agent/port-binding.js';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import { FirewalldClient, FirewallGuard } from '../../runtimes/firewall/index.js';
import { MemoryPortStore, PortManager } from '../../runtimes/ports/index.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';

const zone = process.env['KH_FW_ZONE'] ?? 'public';
const enabled = ((): boolean => {
  if (!requirePodman()) return false;
  if (process.env['KH_FW_NETNS'] && process.env['DBUS_SYSTEM_BUS_ADDRESS']) return true;
  if (process.env['CI']) throw new Error('firewalld is not set up: scripts/ci/daemons.sh start did not run');
  return false;
})();

describe.skipIf(!enabled)('a container port in a firewalld zone (production port binding)', () => {
  it('is open in the zone while the container runs and closed after remove', async () => {
    const client = new FirewalldClient();
    const adapter = createPodmanAdapter({ socketPath: podmanSocket!, hostId: `fw-${process.pid}` });
    const ports = new PortManager({ host: 'h', store: new MemoryPortStore(), range: { min: 42100, max: 42199 } });
    const rt = new PortBindingRuntime(adapter, { ports, firewall: async () => new FirewallGuard(client), readyTimeoutMs: 10_000 });
    const id = `fw/web-${process.pid}`;
    try {
      const o = await rt.ensure(id, {
        kind: 'container',
        image: busyboxImage,
        command: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
        stopTimeoutMs: 1_000,
        ports: [{ name: 'http', protocol: 'tcp', containerPort: 8080, firewallZone: zone }],
      });
      const port = o.ports?.[0]?.hostPort;
      expect(port).toBeGreaterThanOrEqual(42100);
      expect(await client.queryPort({ port: port!, protocol: 'tcp', zone })).toBe(true);
      expect(await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) })).text()).toBe('khutulun\n');
      await rt.remove(id);
      expect(await client.queryPort({ port: port!, protocol: 'tcp', zone })).toBe(false);
      expect(await adapter.observe(id)).toBeUndefined();
    } finally {
      await rt.remove(id).catch(() => undefined);
      await rt.close();
      await client.close();
    }
  }, 120_000);
});
