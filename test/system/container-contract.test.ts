/** The shared RuntimeAdapter contract, against the real podman API service. */
import { describe } from 'vitest';
import { runRuntimeAdapterTests } from '../contracts/index.js';
import { createDockerAdapter, createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerAdapter } from '../../runtimes/container/index.js';
import type { ContainerSpec } from '../../runtimes/workload.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';

const base = (command: string[]): ContainerSpec => ({ kind: 'container', image: busyboxImage, command, stopTimeoutMs: 2_000 });

type Factory = typeof createPodmanAdapter;

function fixture(name: string, factory: Factory) {
  return async () => {
    // Distinct host id per fixture: list() sees only this test's containers, never a neighbour's.
    const hostId = `contract-${name}-${process.pid}-${Date.now().toString(36)}`;
    const made: ContainerAdapter[] = [];
    return {
      async create() {
        const a = factory({ socketPath: podmanSocket!, hostId });
        made.push(a);
        return a;
      },
      longRunning: (variant = 0) => base(['sh', '-c', `echo variant ${variant}; exec sleep 3600`]),
      exitsWith: (code: number) => base(['sh', '-c', `exit ${code}`]),
      missingCommand: () => ({ kind: 'container', image: 'localhost/khutulun-does-not-exist:1', imageSource: { pull: false } }),
      badSpec: () => ({ kind: 'container', image: '' }),
      ignoresTerm: () => base(['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']),
      codes: { notFound: 'KH-CONT-002', badSpec: 'KH-CONT-004' },
      timeoutMs: 30_000,
      async cleanup() {
        const a = made[0] ?? factory({ socketPath: podmanSocket!, hostId });
        for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
        for (const x of made.splice(0)) await x.close();
      },
    };
  };
}

describe.skipIf(!requirePodman())('podman', () => {
  runRuntimeAdapterTests('podman', fixture('podman', createPodmanAdapter));
});

// The docker configuration (no pods, engine-run health checks) against a real Docker-compatible
// API: podman's compat service is the only Docker API on this machine kind.
describe.skipIf(!requirePodman())('docker configuration', () => {
  runRuntimeAdapterTests('docker', fixture('docker', createDockerAdapter));
});
