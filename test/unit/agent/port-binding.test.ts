import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MemoryPortStore, PortManager } from '../../../runtimes/index.js';
import type { ObservedWorkload, PortSpec, WorkloadSpec } from '../../../runtimes/workload.js';
import type { RuntimeAdapter } from '../../../runtimes/runtime-adapter.js';
import { PortBindingRuntime } from '../../../agent/port-binding.js';

/** Records what it was asked to run; reports ports back like a real adapter. */
function recordingRuntime(): RuntimeAdapter & { specs: Map<string, WorkloadSpec>; removed: string[] } {
  const specs = new Map<string, WorkloadSpec>();
  const removed: string[] = [];
  const observed = (id: string): ObservedWorkload | undefined => {
    const s = specs.get(id) as { ports?: PortSpec[] } | undefined;
    return s ? { id, runtime: 'rec', state: 'running', ...(s.ports ? { ports: s.ports } : {}) } : undefined;
  };
  return {
    name: 'rec', specs, removed,
    ready: async () => {},
    ensure: async (id, spec) => (specs.set(id, spec), observed(id)!),
    observe: async (id) => observed(id),
    remove: async (id) => void (specs.delete(id), removed.push(id)),
    list: async () => [...specs.keys()].map((id) => observed(id)!),
    subscribe: () => () => {},
    close: async () => {},
  };
}

function binding(bound: Array<[string, readonly PortSpec[]]> = []) {
  const inner = recordingRuntime();
  const ports = new PortManager({ host: 'h1', store: new MemoryPortStore(), range: { min: 41000, max: 41999 } });
  const rt = new PortBindingRuntime(inner, { ports, readyTimeoutMs: 100, onBound: async (w, p) => void bound.push([w, p]) });
  return { inner, ports, rt, bound };
}

describe('PortBindingRuntime', () => {
  it('reserves a free port for port 0 and hands it to the process as PORT / PORT_<NAME>', async () => {
    const { inner, rt, bound } = binding();
    const o = await rt.ensure('d/nodes/web', { kind: 'process', command: 'x', ports: [{ name: 'http', protocol: 'tcp', containerPort: 0 }] });
    const port = o.ports![0]!.hostPort!;
    expect(port).toBeGreaterThanOrEqual(41000);
    const spec = inner.specs.get('d/nodes/web') as { env: Record<string, string>; ports: PortSpec[] };
    expect(spec.env).toMatchObject({ PORT: String(port), PORT_HTTP: String(port) });
    expect(spec.ports[0]).toMatchObject({ hostPort: port, containerPort: port });
    expect(bound).toEqual([['d/nodes/web', spec.ports]]);
  });

  it('keeps the ports of a running workload (idempotent ensure, re-attach) and releases them on remove', async () => {
    const { rt, ports } = binding();
    const spec: WorkloadSpec = { kind: 'process', command: 'x', ports: [{ name: 'http', protocol: 'tcp' }] };
    const first = (await rt.ensure('w', spec)).ports![0]!.hostPort;
    const again = (await rt.ensure('w', spec)).ports![0]!.hostPort;
    expect(again).toBe(first);
    await rt.remove('w');
    await expect(ports.endpoint('w', 'http', () => '127.0.0.1')).rejects.toBeTruthy();
  });

  it('refuses a fixed port something else holds, with a coded error', async () => {
    const server = createServer().listen(0, '0.0.0.0');
    await new Promise((r) => server.once('listening', r));
    const held = (server.address() as AddressInfo).port;
    try {
      const { rt, inner } = binding();
      await expect(rt.ensure('w', { kind: 'process', command: 'x', ports: [{ name: 'http', protocol: 'tcp', containerPort: held }] })).rejects.toMatchObject({
        code: expect.stringMatching(/^KH-PORT/),
      });
      expect(inner.specs.size).toBe(0);
    } finally {
      server.close();
    }
  });

  it('fails a firewall-zoned port with a coded error when no firewalld is configured', async () => {
    const { rt, inner } = binding();
    await expect(rt.ensure('w', { kind: 'process', command: 'x', ports: [{ name: 'http', protocol: 'tcp', firewallZone: 'public' }] })).rejects.toMatchObject({ code: 'KH-FW-001' });
    expect(inner.specs.size).toBe(0);
  });

  it('takes the workload down again when firewalld refuses to open its port', async () => {
    const inner = recordingRuntime();
    const ports = new PortManager({ host: 'h1', store: new MemoryPortStore(), range: { min: 42000, max: 42999 } });
    const refusing = { open: async () => Promise.reject(Object.assign(new Error('firewalld is not running'), { code: 'KH-FW-001' })), close: async () => {} };
    const rt = new PortBindingRuntime(inner, { ports, firewall: async () => refusing as never });
    await expect(rt.ensure('w', { kind: 'process', command: 'x', ports: [{ name: 'http', protocol: 'tcp', firewallZone: 'public' }] })).rejects.toMatchObject({ code: 'KH-FW-001' });
    expect(inner.removed).toEqual(['w']);
    expect(inner.specs.size).toBe(0);
  });
});
