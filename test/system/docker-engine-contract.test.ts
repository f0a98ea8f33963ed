/**
 * The container adapter's docker configuration against a REAL Docker engine (Debian docker.io,
 * started by scripts/ci/daemons.sh on a private socket with its own data root, its own bridge and
 * no iptables): the whole runtime contract, the same under gVisor (Docker takes the OCI runtime
 * per container), and a published port reachable through the engine's proxy.
 */
import { describe, expect, it } from 'vitest';
import { release } from 'node:os';
import { runRuntimeAdapterTests } from '../contracts/index.js';
import { waitFor } from '../contracts/wait-for.js';
import { createDockerAdapter } from '../../runtimes/container/index.js';
import type { ContainerSpec } from '../../runtimes/workload.js';
import { busyboxImage } from './container-env.js';
import { containerFixture } from './container-fixture.js';
import { collectExec } from '../../runtimes/index.js';

const dockerSocket = process.env['KH_DOCKER_SOCKET'];
const enabled = ((): boolean => {
  if (dockerSocket) return true;
  if (process.env['CI']) throw new Error('KH_DOCKER_SOCKET is not set: scripts/ci/daemons.sh start did not start dockerd');
  return false;
})();

describe.skipIf(!enabled)('docker engine (dockerd)', () => {
  runRuntimeAdapterTests('docker-engine', containerFixture('dockerd', createDockerAdapter, dockerSocket!));
});

describe.skipIf(!enabled)('docker engine + sandbox gvisor (runsc per container)', () => {
  runRuntimeAdapterTests('docker-gvisor', containerFixture('dockerd-gvisor', createDockerAdapter, dockerSocket!, { sandbox: 'gvisor' }, 45_000));
});

describe.skipIf(!enabled)('docker engine: what is specific to the real engine', () => {
  it('is a real Docker engine, gVisor really runs per container, and a published port answers', async () => {
    const hostId = `dockerd-${process.pid}-${Date.now().toString(36)}`;
    const a = createDockerAdapter({ socketPath: dockerSocket!, hostId });
    try {
      const spec = (extra: Partial<ContainerSpec>): ContainerSpec => ({ kind: 'container', image: busyboxImage, stopTimeoutMs: 1_000, ...extra });
      const g = await a.ensure('docker/gvisor', spec({ sandbox: 'gvisor', command: ['sleep', '3600'] }));
      expect(g.info?.['ociRuntime']).toBe('runsc'); // Docker's own inspect, not our label
      expect((await collectExec(await a.exec('docker/gvisor', ['uname', '-r']))).stdout.trim()).not.toBe(release());
      const web = await a.ensure('docker/web', spec({
        command: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
        ports: [{ name: 'http', protocol: 'tcp', containerPort: 8080, hostPort: 0 }],
      }));
      const port = web.ports?.[0]?.hostPort;
      expect(port).toBeGreaterThan(0);
      const body = await waitFor(async () => {
        try {
          return await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })).text();
        } catch {
          return undefined;
        }
      }, 'the published port', 20_000);
      expect(body).toBe('khutulun\n');
    } finally {
      for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
      expect(await a.list()).toEqual([]);
      await a.close();
    }
  });
});
