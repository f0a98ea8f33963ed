/**
 * Sandboxed containers (sandbox: gvisor = runsc) against the real podman service that
 * scripts/ci/daemons.sh starts with runsc registered: the whole runtime contract, then what is
 * specific to the sandbox (the kernel inside is gVisor's) and its faults (coded, nothing left).
 */
import { release } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import { runRuntimeAdapterTests } from '../contracts/index.js';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerAdapter } from '../../runtimes/container/index.js';
import type { ContainerSpec } from '../../runtimes/workload.js';
import { waitFor } from '../contracts/wait-for.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';
import { containerFixture } from './container-fixture.js';
import { collectExec } from '../../runtimes/index.js';

const enabled = requirePodman();

describe.skipIf(!enabled)('podman + sandbox gvisor (runsc)', () => {
  runRuntimeAdapterTests('podman-gvisor', containerFixture('gvisor', createPodmanAdapter, podmanSocket!, { sandbox: 'gvisor' }, 45_000));
});

describe.skipIf(!enabled)('sandbox gvisor: what runs is really sandboxed; faults are coded and leave nothing', () => {
  const hostId = `sandbox-${process.pid}-${Date.now().toString(36)}`;
  const adapters: ContainerAdapter[] = [];
  const open = (): ContainerAdapter => {
    const a = createPodmanAdapter({ socketPath: podmanSocket!, hostId });
    adapters.push(a);
    return a;
  };
  afterAll(async () => {
    const a = open();
    for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
    for (const x of adapters) await x.close();
  });
  const spec = (extra: Partial<ContainerSpec>): ContainerSpec => ({
    kind: 'container', image: busyboxImage, command: ['sh', '-c', 'exec sleep 3600'], stopTimeoutMs: 1_000, ...extra,
  });
  const code = async (p: Promise<unknown>): Promise<KhutulunError> => {
    const error = await p.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(KhutulunError);
    return error as KhutulunError;
  };

  it('runs under gVisor: runtime runsc, the kernel inside is gVisor, no network but loopback', async () => {
    const a = open();
    const id = 'sandbox/gvisor-kernel';
    const o = await a.ensure(id, spec({ sandbox: 'gvisor' }));
    expect(o.info?.['ociRuntime']).toBe('runsc');
    expect(o.info?.['sandbox']).toBe('gvisor');
    await waitFor(async () => ((await a.observe(id))?.state === 'running' ? true : undefined), 'running', 30_000);
    // gVisor's own kernel answers uname (4.4.0 in this build), not the host's.
    const kernel = await collectExec(await a.exec(id, ['uname', '-r']));
    expect(kernel.exitCode).toBe(0);
    expect(kernel.stdout.trim()).not.toBe(release());
    const links = await collectExec(await a.exec(id, ['ls', '/sys/class/net']));
    expect(links.stdout.trim().split(/\s+/).filter((l) => l !== 'lo')).toEqual([]);
    // The same image under the default sandbox sees the host's kernel, not gVisor.
    const plain = 'sandbox/runc-kernel';
    await a.ensure(plain, spec({ sandbox: 'runc', network: 'none' }));
    await waitFor(async () => ((await a.observe(plain))?.state === 'running' ? true : undefined), 'running', 30_000);
    expect((await collectExec(await a.exec(plain, ['uname', '-r']))).stdout.trim()).toBe(release());
    await a.remove(id);
    await a.remove(plain);
  });

  it('kata without /dev/kvm or without the runtime: KH-CONT-010 before anything is created', async () => {
    const a = open();
    const before = (await a.list()).length;
    const e = await code(a.ensure('sandbox/kata', spec({ sandbox: 'kata' })));
    expect(e.code).toBe('KH-CONT-010');
    expect(e.hint).toMatch(/KVM|kata/i);
    // A host WITH /dev/kvm but no kata binary: the engine's table names kata, the binary is absent.
    const withKvm = createPodmanAdapter({ socketPath: podmanSocket!, hostId, hasKvm: () => true });
    adapters.push(withKvm);
    const e2 = await code(withKvm.ensure('sandbox/kata', spec({ sandbox: 'kata' })));
    expect(e2.code).toBe('KH-CONT-010');
    expect(e2.message).toMatch(/OCI runtime "kata"/);
    expect((await a.list()).length).toBe(before);
    expect(await a.observe('sandbox/kata')).toBeUndefined();
  });

  it('gvisor with a published port on a network-less runsc: KH-CONT-010, nothing created', async () => {
    const a = open();
    const e = await code(a.ensure('sandbox/ports', spec({ sandbox: 'gvisor', ports: [{ name: 'http', protocol: 'tcp', containerPort: 80 }] })));
    expect(e.code).toBe('KH-CONT-010');
    expect(await a.observe('sandbox/ports')).toBeUndefined();
  });
});
