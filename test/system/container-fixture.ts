/**
 * A RuntimeContractFixture for the container adapter on any engine socket, with extra spec fields
 * (e.g. `sandbox: 'gvisor'`) applied to every spec the suite runs: one suite, several backends.
 */
import type { RuntimeContractFixture } from '../contracts/index.js';
import type { ContainerAdapter, createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerSpec } from '../../runtimes/workload.js';
import { busyboxImage } from './container-env.js';

export type ContainerFactory = typeof createPodmanAdapter;

export function containerFixture(
  name: string,
  factory: ContainerFactory,
  socketPath: string,
  extra: Partial<ContainerSpec> = {},
  timeoutMs = 30_000,
): () => Promise<RuntimeContractFixture> {
  const base = (command: string[]): ContainerSpec => ({ kind: 'container', image: busyboxImage, command, stopTimeoutMs: 2_000, ...extra });
  return async () => {
    // Distinct host id per fixture: list() sees only this test's containers, never a neighbour's.
    const hostId = `contract-${name}-${process.pid}-${Date.now().toString(36)}`;
    const made: ContainerAdapter[] = [];
    return {
      async create() {
        const a = factory({ socketPath, hostId });
        made.push(a);
        return a;
      },
      longRunning: (variant = 0) => base(['sh', '-c', `echo variant ${variant}; exec sleep 3600`]),
      exitsWith: (code: number) => base(['sh', '-c', `exit ${code}`]),
      missingCommand: () => ({ kind: 'container', image: 'localhost/khutulun-does-not-exist:1', imageSource: { pull: false }, ...extra }),
      badSpec: () => ({ kind: 'container', image: '', ...extra }),
      ignoresTerm: () => base(['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']),
      codes: { notFound: 'KH-CONT-002', badSpec: 'KH-CONT-004' },
      timeoutMs,
      async cleanup() {
        const a = made[0] ?? factory({ socketPath, hostId });
        for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
        for (const x of made.splice(0)) await x.close();
      },
    };
  };
}
