/** ContainerAdapter logic over the in-memory engine (the real engine is in test/system/). */
import { describe, expect, it } from 'vitest';
import { KhutulunError, ManualClock } from '../../../common/index.js';
import { ContainerAdapter, dockerConfig, podmanConfig } from '../../../runtimes/container/index.js';
import { FirewallGuard } from '../../../runtimes/firewall/index.js';
import type { FirewallLike, FirewallPortRule } from '../../../runtimes/firewall/index.js';
import type { RuntimeEvent } from '../../../runtimes/runtime-adapter.js';
import type { ContainerSpec } from '../../../runtimes/workload.js';
import { FakeDockerApi } from './container-fake-api.js';
import { collectExec, collectLogs } from '../../../runtimes/index.js';

const spec = (extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  kind: 'container',
  image: 'localhost/busybox:latest',
  command: ['sleep', '100'],
  ...extra,
});

function make(hostId = 'h1', engine: 'podman' | 'docker' = 'podman') {
  const api = new FakeDockerApi();
  const config = engine === 'podman' ? podmanConfig({ socketPath: '/run/fake.sock', hostId, env: {} }) : dockerConfig({ socketPath: '/run/fake.sock', hostId, env: {} });
  const adapter = new ContainerAdapter({ config, api, clock: new ManualClock() });
  return { api, adapter };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint).toBeTruthy();
    return (e as KhutulunError).code;
  }
  throw new Error('expected a coded error');
}

describe('ContainerAdapter (fake engine)', () => {
  it('ensure creates and starts once; the same spec again changes nothing', async () => {
    const { api, adapter } = make();
    const first = await adapter.ensure('d/web', spec());
    expect(first.state).toBe('running');
    const creates = api.calls.filter((c) => c === 'createContainer').length;
    const again = await adapter.ensure('d/web', spec({ env: undefined }));
    expect(again.handle).toBe(first.handle);
    expect(api.calls.filter((c) => c === 'createContainer').length).toBe(creates);
  });

  it('a changed spec replaces the container; an exited one with the same spec is restarted', async () => {
    const { api, adapter } = make();
    const first = await adapter.ensure('d/web', spec());
    const second = await adapter.ensure('d/web', spec({ command: ['sleep', '200'] }));
    expect(second.handle).not.toBe(first.handle);
    expect(api.containers.size).toBe(1);
    api.exit(second.handle!, 1);
    expect((await adapter.observe('d/web'))?.state).toBe('failed');
    const third = await adapter.ensure('d/web', spec({ command: ['sleep', '200'] }));
    expect(third.handle).toBe(second.handle);
    expect(third.state).toBe('running');
  });

  it('list() re-attaches only this host’s managed containers', async () => {
    const h1 = make('h1');
    await h1.adapter.ensure('d/a', spec());
    await h1.adapter.ensure('d/b', spec());
    const h2 = new ContainerAdapter({ config: podmanConfig({ socketPath: '/x', hostId: 'h2', env: {} }), api: h1.api });
    await h2.ensure('d/c', spec());
    expect((await h1.adapter.list()).map((o) => o.id)).toEqual(['d/a', 'd/b']);
    expect((await h2.list()).map((o) => o.id)).toEqual(['d/c']);
    const restarted = new ContainerAdapter({ config: podmanConfig({ socketPath: '/x', hostId: 'h1', env: {} }), api: h1.api });
    expect((await restarted.list()).map((o) => o.state)).toEqual(['running', 'running']);
  });

  it('remove is idempotent and observe then gives undefined', async () => {
    const { adapter } = make();
    await adapter.ensure('d/web', spec());
    await adapter.remove('d/web');
    await adapter.remove('d/web');
    await adapter.remove('d/never');
    expect(await adapter.observe('d/web')).toBeUndefined();
  });

  it('reports the host ports the engine bound', async () => {
    const { adapter } = make();
    const o = await adapter.ensure('d/web', spec({ ports: [{ name: 'http', protocol: 'tcp', containerPort: 80 }] }));
    expect(o.ports).toEqual([{ name: 'http', protocol: 'tcp', containerPort: 80, hostPort: 40000 }]);
  });

  it('coded errors: missing image, bad spec, port taken (nothing left behind), daemon down', async () => {
    const { api, adapter } = make();
    expect(await codeOf(adapter.ensure('d/x', spec({ image: 'localhost/none:1' })))).toBe('KH-CONT-002');
    expect(await codeOf(adapter.ensure('d/x', { kind: 'process', command: 'x' } as unknown as ContainerSpec))).toBe('KH-CONT-004');
    expect(await codeOf(adapter.ensure('d/x', spec({ ports: [{ name: 'h', protocol: 'sctp' as 'tcp', containerPort: 1 }] })))).toBe('KH-CONT-004');
    api.busyPorts.add(8080);
    expect(await codeOf(adapter.ensure('d/x', spec({ ports: [{ name: 'h', protocol: 'tcp', containerPort: 80, hostPort: 8080 }] })))).toBe('KH-CONT-003');
    expect(api.containers.size).toBe(0);
    api.down = true;
    const err = await adapter.ready().catch((e: unknown) => e as KhutulunError);
    expect(err).toBeInstanceOf(KhutulunError);
    expect((err as KhutulunError).code).toBe('KH-CONT-001');
    expect((err as KhutulunError).retryable).toBe(true);
  });

  it('imports a tarball and tags afterwards when the engine ignores the tag (podman quirk)', async () => {
    const { api, adapter } = make();
    await adapter.ensure('d/imp', spec({ image: 'localhost/app:v2', imageSource: { importTar: 'rootfs.tar' } }), { sourceDir: '/srv/csar' });
    expect(api.importedWithTag).toEqual(['v2']);
    expect(api.images.has('localhost/app:v2')).toBe(true);
    expect(api.calls).toContain('tagImage');
  });

  it('builds from a context when asked, and never pulls when pull is false', async () => {
    const { api, adapter } = make();
    await adapter.ensure('d/b', spec({ image: 'localhost/built:1', imageSource: { buildContext: '/ctx' } }));
    expect(api.images.has('localhost/built:1')).toBe(true);
    expect(await codeOf(adapter.ensure('d/p', spec({ image: 'localhost/np:1', imageSource: { pull: false } })))).toBe('KH-CONT-002');
    expect(api.calls).not.toContain('pullImage');
  });

  it('pods: members are created in the pod; docker has no pods', async () => {
    const { api, adapter } = make();
    await adapter.ensure('d/p1', spec({ pod: 'pa', ports: [{ name: 'h', protocol: 'tcp', containerPort: 80, hostPort: 8081 }] }));
    await adapter.ensure('d/p2', spec({ pod: 'pa' }));
    expect([...api.containers.values()].map((c) => c.pod)).toEqual(['kh-pod-pa', 'kh-pod-pa']);
    // ports belong to the pod, not to the member
    expect([...api.containers.values()][0]?.body.HostConfig.PortBindings).toBeUndefined();
    expect(await codeOf(adapter.ensure('d/p3', spec({ pod: 'pa', ports: [{ name: 'h', protocol: 'tcp', containerPort: 81 }] })))).toBe('KH-CONT-004');
    await adapter.remove('d/p1');
    expect(api.pods.size).toBe(1);
    await adapter.remove('d/p2');
    expect(api.pods.size).toBe(0);
    const docker = make('h1', 'docker');
    expect(await codeOf(docker.adapter.ensure('d/p', spec({ pod: 'pa' })))).toBe('KH-CONT-004');
  });

  it('subscribe turns engine events of our containers into RuntimeEvents; unsubscribe closes the stream', async () => {
    const { api, adapter } = make();
    const events: RuntimeEvent[] = [];
    const off = adapter.subscribe((e) => events.push(e));
    await new Promise((r) => setImmediate(r));
    const o = await adapter.ensure('d/ev', spec());
    api.exit(o.handle!, 2);
    await new Promise((r) => setTimeout(r, 10));
    const last = events.filter((e) => e.workload === 'd/ev').at(-1);
    expect(last?.observed.state).toBe('failed');
    expect(last?.observed.exitCode).toBe(2);
    off();
    expect(api.eventListeners).toBe(0);
  });

  it('exec refuses a stopped container with a coded error; logs and exec pass through', async () => {
    const { api, adapter } = make();
    const o = await adapter.ensure('d/x', spec());
    expect(await collectExec(await adapter.exec('d/x', ['echo', 'hi']))).toEqual({ exitCode: 0, stdout: 'echo hi', stderr: '' });
    expect((await collectLogs(adapter.logs('d/x'))).stdout).toBe('out\n');
    api.exit(o.handle!, 0);
    expect(await codeOf(adapter.exec('d/x', ['true']))).toBe('KH-CONT-007');
    expect(await codeOf(adapter.exec('d/x', ['true'], { timeoutMs: 1000 }))).toBe('KH-RT-IO-OPTION');
    expect(await codeOf(collectLogs(adapter.logs('d/none')))).toBe('KH-CONT-006');
  });

  it('our own stop is reported as stopped, not as a failure', async () => {
    const { adapter } = make();
    const events: RuntimeEvent[] = [];
    adapter.subscribe((e) => events.push(e));
    await new Promise((r) => setImmediate(r));
    await adapter.ensure('d/s', spec());
    await adapter.remove('d/s');
    await new Promise((r) => setTimeout(r, 10));
    const states = events.filter((e) => e.workload === 'd/s').map((e) => e.observed.state);
    expect(states).toContain('stopped');
    expect(states).not.toContain('failed');
  });

  it('opens guarded ports after start and closes them on remove', async () => {
    const open = new Set<string>();
    const key = (r: FirewallPortRule): string => `${r.zone}/${r.protocol}/${r.port}`;
    const fw: FirewallLike = {
      addPort: async (r) => void open.add(key(r)),
      removePort: async (r) => void open.delete(key(r)),
      queryPort: async (r) => open.has(key(r)),
      close: async () => undefined,
    };
    const api = new FakeDockerApi();
    const adapter = new ContainerAdapter({ config: podmanConfig({ socketPath: '/x', hostId: 'h', env: {} }), api, firewall: new FirewallGuard(fw) });
    await adapter.ensure('d/fw', spec({ ports: [{ name: 'h', protocol: 'tcp', containerPort: 80, hostPort: 8088, firewallZone: 'public' }, { name: 'p', protocol: 'tcp', containerPort: 81, hostPort: 8089 }] }));
    expect([...open]).toEqual(['public/tcp/8088']);
    await adapter.remove('d/fw');
    expect(open.size).toBe(0);
    // a container that exits by itself closes its port; a restart opens it again
    const o = await adapter.ensure('d/fw2', spec({ ports: [{ name: 'h', protocol: 'tcp', containerPort: 80, hostPort: 8090, firewallZone: 'public' }] }));
    expect([...open]).toEqual(['public/tcp/8090']);
    await new Promise((r) => setImmediate(r));
    api.exit(o.handle!, 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(open.size).toBe(0);
    await api.startContainer(o.handle!);
    await new Promise((r) => setTimeout(r, 10));
    expect([...open]).toEqual(['public/tcp/8090']);
    await adapter.close();
  });

  it('a dropped event stream is reopened with backoff on the injected clock', async () => {
    const api = new FakeDockerApi();
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const adapter = new ContainerAdapter({ config: podmanConfig({ socketPath: '/x', hostId: 'h', env: {} }), api, clock, onError: (e) => errors.push(e) });
    const events: RuntimeEvent[] = [];
    adapter.subscribe((e) => events.push(e));
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    expect(api.eventListeners).toBe(1);
    api.failEvents = 1;
    api.dropEventStreams();
    expect(api.eventListeners).toBe(0);
    clock.advance(250); // first retry fails (engine still down)
    await tick();
    expect(api.eventListeners).toBe(0);
    clock.advance(500); // second retry succeeds
    await tick();
    expect(api.eventListeners).toBe(1);
    expect(errors.length).toBe(2);
    const o = await adapter.ensure('d/r', spec());
    api.exit(o.handle!, 9);
    await new Promise((r) => setTimeout(r, 10));
    expect(events.some((e) => e.workload === 'd/r' && e.observed.exitCode === 9)).toBe(true);
    await adapter.close();
    expect(api.eventListeners).toBe(0);
  });
});
