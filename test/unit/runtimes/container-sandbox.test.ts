/**
 * Sandboxed containers without an engine: what the spec maps to (the Kata and gVisor create
 * bodies), the coded refusals (no /dev/kvm, runtime not registered, gVisor without network), and
 * the routing of podman's per-runtime services. The real runsc path is test/system/sandbox-contract.
 */
import { describe, expect, it } from 'vitest';
import { KhutulunError, ManualClock } from '../../../common/index.js';
import {
  ContainerAdapter,
  checkSandbox,
  dockerConfig,
  ociRuntimeOf,
  podmanConfig,
  toCreateBody,
  validateContainerSpec,
} from '../../../runtimes/container/index.js';
import type { EngineRuntimes } from '../../../runtimes/container/docker-api.js';
import { parseRuntimeSockets } from '../../../runtimes/container/engine-config.js';
import type { ContainerSpec } from '../../../runtimes/workload.js';
import { FakeDockerApi } from './container-fake-api.js';

const spec = (extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  kind: 'container',
  image: 'localhost/busybox:latest',
  command: ['sleep', '100'],
  ...extra,
});

class RuntimeFakeApi extends FakeDockerApi {
  constructor(public table: EngineRuntimes | undefined) {
    super();
  }
  async runtimes(): Promise<EngineRuntimes | undefined> {
    this.calls.push('runtimes');
    return this.table;
  }
}

const docker = dockerConfig({ socketPath: '/run/fake.sock', hostId: 'h', env: {} });
const podman = podmanConfig({ socketPath: '/run/fake.sock', hostId: 'h', env: {} });

async function refusal(p: Promise<unknown>): Promise<KhutulunError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KhutulunError);
  const k = error as KhutulunError;
  expect(k.hint ?? '').not.toBe('');
  return k;
}

describe('sandbox: spec -> OCI runtime', () => {
  it('maps runc to the engine default, gvisor to runsc, kata to kata; names are configurable', () => {
    expect(ociRuntimeOf(spec())).toBeUndefined();
    expect(ociRuntimeOf(spec({ sandbox: 'runc' }))).toBeUndefined();
    expect(ociRuntimeOf(spec({ sandbox: 'gvisor' }))).toBe('runsc');
    expect(ociRuntimeOf(spec({ sandbox: 'kata' }))).toBe('kata');
    expect(ociRuntimeOf(spec({ ociRuntime: 'crun' }))).toBe('crun');
    expect(ociRuntimeOf(spec({ sandbox: 'kata' }), { gvisor: 'runsc', kata: 'io.containerd.kata.v2', gvisorNetworkNone: true })).toBe('io.containerd.kata.v2');
    const env = dockerConfig({ env: { KH_KATA_RUNTIME: 'kata-qemu', KH_GVISOR_NETWORK: '1' } });
    expect(env.sandbox).toEqual({ gvisor: 'runsc', kata: 'kata-qemu', gvisorNetworkNone: false });
  });

  it('refuses an unknown sandbox and a sandbox that disagrees with ociRuntime (KH-CONT-004)', () => {
    expect(() => validateContainerSpec(spec({ sandbox: 'firecracker' as never }))).toThrow(/sandbox must be one of runc, gvisor, kata/);
    expect(() => validateContainerSpec(spec({ sandbox: 'gvisor', ociRuntime: 'kata' }))).toThrow(/disagree/);
    expect(() => validateContainerSpec(spec({ sandbox: 'gvisor', ociRuntime: 'runsc' }))).not.toThrow();
  });

  it('generates the Kata create body: Runtime kata, sandbox labels, the network untouched', () => {
    const body = toCreateBody('d/vm', spec({ sandbox: 'kata', ports: [{ name: 'http', protocol: 'tcp', containerPort: 80, hostPort: 8080 }] }), { config: docker });
    expect(body.HostConfig.Runtime).toBe('kata');
    expect(body.HostConfig.NetworkMode).toBeUndefined();
    expect(body.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    expect(body.Labels['io.khutulun.sandbox']).toBe('kata');
    expect(body.Labels['io.khutulun.oci-runtime']).toBe('kata');
  });

  it('generates the gVisor create body: Runtime runsc and no network on a network-less runsc', () => {
    const body = toCreateBody('d/g', spec({ sandbox: 'gvisor' }), { config: podman });
    expect(body.HostConfig.Runtime).toBe('runsc');
    expect(body.HostConfig.NetworkMode).toBe('none');
    const networked = dockerConfig({ env: { KH_GVISOR_NETWORK: '1' } });
    expect(toCreateBody('d/g', spec({ sandbox: 'gvisor' }), { config: networked }).HostConfig.NetworkMode).toBeUndefined();
    expect(toCreateBody('d/r', spec({ sandbox: 'runc' }), { config: podman }).HostConfig.Runtime).toBeUndefined();
  });
});

describe('sandbox: checks before anything is created', () => {
  const facts = { engine: 'docker', kvm: true, engineRuntimes: ['runc', 'runsc', 'kata'] };

  it('kata needs /dev/kvm: KH-CONT-010 with an actionable hint', () => {
    const e = checkSandbox(spec({ sandbox: 'kata' }), { ...facts, kvm: false });
    expect(e?.code).toBe('KH-CONT-010');
    expect(e?.message).toMatch(/\/dev\/kvm/);
    expect(e?.hint).toMatch(/KVM/);
    expect(e?.retryable).toBe(false);
    expect(checkSandbox(spec({ sandbox: 'kata' }), facts)).toBeUndefined();
  });

  it('an unregistered runtime names what the engine has and where to register it', () => {
    const e = checkSandbox(spec({ sandbox: 'gvisor' }), { ...facts, engineRuntimes: ['runc'] });
    expect(e?.code).toBe('KH-CONT-010');
    expect(e?.message).toMatch(/no OCI runtime "runsc".*it has: runc/);
    expect(e?.hint).toMatch(/daemon\.json/);
    const p = checkSandbox(spec({ sandbox: 'gvisor' }), { engine: 'podman', kvm: true, engineRuntimes: [], route: 'per-service' });
    expect(p?.hint).toMatch(/podman --runtime runsc system service/);
    expect(p?.hint).toMatch(/KH_PODMAN_RUNTIME_SOCKETS=runsc=/);
  });

  it('gVisor without network refuses ports, pods and networks; the default sandbox is never checked', () => {
    const port = { name: 'http', protocol: 'tcp' as const, containerPort: 80 };
    expect(checkSandbox(spec({ sandbox: 'gvisor', ports: [port] }), facts)?.code).toBe('KH-CONT-010');
    expect(checkSandbox(spec({ sandbox: 'gvisor', network: 'web' }), facts)?.code).toBe('KH-CONT-010');
    expect(checkSandbox(spec({ sandbox: 'gvisor', pod: 'p' }), facts)?.code).toBe('KH-CONT-010');
    expect(checkSandbox(spec({ sandbox: 'gvisor', network: 'none' }), facts)).toBeUndefined();
    expect(checkSandbox(spec({ sandbox: 'gvisor', ports: [port] }), facts, { gvisor: 'runsc', kata: 'kata', gvisorNetworkNone: false })).toBeUndefined();
    expect(checkSandbox(spec({ ports: [port] }), { ...facts, kvm: false, engineRuntimes: [] })).toBeUndefined();
  });

  it('parses KH_PODMAN_RUNTIME_SOCKETS', () => {
    expect(parseRuntimeSockets('runsc=/a.sock, kata=unix:///b.sock,bad,=x')).toEqual({ runsc: '/a.sock', kata: '/b.sock' });
    expect(podmanConfig({ env: { KH_PODMAN_RUNTIME_SOCKETS: 'runsc=/r.sock' } }).runtimeSockets).toEqual({ runsc: '/r.sock' });
  });
});

describe('sandbox: the adapter (fake engines)', () => {
  it('docker: checks the engine table (binaries that do not exist do not count) and creates with Runtime', async () => {
    const api = new RuntimeFakeApi({ default: 'runc', available: { runc: '/usr/bin/runc', kata: '/usr/bin/kata-runtime', runsc: 'runsc' } });
    const adapter = new ContainerAdapter({ config: docker, api, clock: new ManualClock(), hasKvm: () => true, pathExists: (p) => p !== '/usr/bin/kata-runtime' });
    const kata = await refusal(adapter.ensure('d/k', spec({ sandbox: 'kata' })));
    expect(kata.code).toBe('KH-CONT-010');
    expect(api.calls).not.toContain('createContainer');
    const o = await adapter.ensure('d/g', spec({ sandbox: 'gvisor' }));
    expect(o.state).toBe('running');
    expect(o.info?.['ociRuntime']).toBe('runsc');
    expect([...api.containers.values()][0]?.body.HostConfig.Runtime).toBe('runsc');
    await adapter.close();
  });

  it('kata on a host without /dev/kvm fails before the engine is even asked to create', async () => {
    const api = new RuntimeFakeApi({ available: { runc: undefined, kata: undefined } });
    const adapter = new ContainerAdapter({ config: docker, api, clock: new ManualClock(), hasKvm: () => false });
    expect((await refusal(adapter.ensure('d/k', spec({ sandbox: 'kata' })))).code).toBe('KH-CONT-010');
    expect(api.calls.filter((c) => c === 'createContainer' || c === 'pullImage')).toEqual([]);
    await adapter.close();
  });

  it('podman: creates through the service whose default is the runtime, runs everything else on the main one', async () => {
    const main = new RuntimeFakeApi({ default: 'crun', available: { crun: undefined, runsc: undefined } });
    const runsc = new RuntimeFakeApi({ default: 'runsc', available: { crun: undefined, runsc: undefined } });
    runsc.containers = main.containers; // one storage, two services
    const config = podmanConfig({ socketPath: '/run/main.sock', hostId: 'h', env: {}, runtimeSockets: { runsc: '/run/runsc.sock' } });
    const sockets: string[] = [];
    const clock = new ManualClock();
    const adapter = new ContainerAdapter({ config, api: main, clock, apiFor: (s) => (sockets.push(s), runsc) });
    const o = await adapter.ensure('d/g', spec({ sandbox: 'gvisor' }));
    expect(o.state).toBe('running');
    expect(sockets).toEqual(['/run/runsc.sock']);
    expect(runsc.calls).toContain('createContainer');
    expect(main.calls).not.toContain('createContainer');
    expect(main.calls).toContain('startContainer');
    // The runtime table is asked once a minute (podman's /info takes over a second), not per ensure.
    await adapter.ensure('d/g2', spec({ sandbox: 'gvisor' }));
    expect(runsc.calls.filter((c) => c === 'runtimes')).toHaveLength(1);
    clock.advance(61_000);
    await adapter.ensure('d/g3', spec({ sandbox: 'gvisor' }));
    expect(runsc.calls.filter((c) => c === 'runtimes')).toHaveLength(2);
    // A plain container never touches the runtime service.
    const before = runsc.calls.length;
    await adapter.ensure('d/plain', spec());
    expect(runsc.calls.length).toBe(before);
    await adapter.close();
  });

  it('podman: no runtime service, or one whose default is another runtime: KH-CONT-010, nothing created', async () => {
    const main = new RuntimeFakeApi({ default: 'crun', available: { crun: undefined, runsc: undefined } });
    const none = new ContainerAdapter({ config: podman, api: main, clock: new ManualClock() });
    const e = await refusal(none.ensure('d/g', spec({ sandbox: 'gvisor' })));
    expect(e.code).toBe('KH-CONT-010');
    expect(e.hint).toMatch(/--runtime runsc/);
    const wrong = new RuntimeFakeApi({ default: 'crun', available: { crun: undefined, runsc: undefined } });
    const config = podmanConfig({ socketPath: '/run/main.sock', hostId: 'h', env: {}, runtimeSockets: { runsc: '/run/runsc.sock' } });
    const misrouted = new ContainerAdapter({ config, api: main, clock: new ManualClock(), apiFor: () => wrong });
    expect((await refusal(misrouted.ensure('d/g', spec({ sandbox: 'gvisor' })))).code).toBe('KH-CONT-010');
    expect(main.containers.size).toBe(0);
    await none.close();
    await misrouted.close();
  });
});
