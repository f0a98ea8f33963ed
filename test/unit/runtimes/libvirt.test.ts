/**
 * The libvirt runtime on libvirt's test driver (test:///default: in-process, no daemon) through
 * the real binding (npm @unraid/libvirt), plus the pure domain XML. A real guest under
 * qemu:///system is not booted by these tests (see docs/runtimes.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { LibvirtRuntimeAdapter, UnraidLibvirtApi, domainName, domainXml, parseIdentity, validateVmSpec } from '../../../runtimes/libvirt/index.js';
import type { VirtualMachineSpec } from '../../../runtimes/workload.js';
import { virtualMachineSpec } from '../../../plugins/builtin/libvirt/index.js';

const MIB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'kh-libvirt-'));
const kernel = join(dir, 'vmlinuz');
writeFileSync(kernel, 'not really a kernel');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vm = (extra: Partial<VirtualMachineSpec> = {}): VirtualMachineSpec => ({ kind: 'vm', vcpus: 1, memory: 64 * MIB, kernel, stopTimeoutMs: 1_000, ...extra });

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(KhutulunError);
  expect((e as KhutulunError).hint).toBeTruthy();
  return (e as KhutulunError).code;
}

const binding = await import('@unraid/libvirt' as string).then(() => true, () => false);
if (!binding && process.env['CI']) throw new Error('@unraid/libvirt did not build: install-packages.sh must install libvirt-dev + build-essential before npm ci');

describe('domain XML (pure)', () => {
  it('direct kernel boot under TCG with a console file, user and named networks, escaped values, our identity', () => {
    const xml = domainXml('d/nodes/vm#1', vm({ initrd: '/boot/initrd', cmdline: "console=ttyS0 x='<&>'", networks: [{ type: 'user' }, { type: 'network', source: 'default' }] }), {
      identity: { workload: 'd/nodes/vm#1', host: 'h1', hash: 'abc' },
      type: 'qemu',
      consoleLog: '/var/log/kh/vm.log',
    });
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).toContain(`<name>${domainName('d/nodes/vm#1')}</name>`);
    expect(xml).toContain("<memory unit='KiB'>65536</memory>");
    expect(xml).toContain(`<kernel>${kernel}</kernel><initrd>/boot/initrd</initrd><cmdline>console=ttyS0 x=&apos;&lt;&amp;&gt;&apos;</cmdline>`);
    expect(xml).toContain("<interface type='user'>");
    expect(xml).toContain("<source network='default'/>");
    expect(xml).toContain("<serial type='file'><source path='/var/log/kh/vm.log'/>");
    expect(parseIdentity(xml)).toEqual({ workload: 'd/nodes/vm#1', host: 'h1', hash: 'abc' });
    expect(parseIdentity('<domain><description>someone else</description></domain>')).toBeUndefined();
  });

  it('refuses malformed specs (KH-VM-BAD-SPEC)', () => {
    const bad: unknown[] = [
      { kind: 'vm', vcpus: 0, memory: 64 * MIB, kernel },
      vm({ memory: 1024 }),
      { kind: 'vm', vcpus: 1, memory: 64 * MIB },
      vm({ kernel: 'relative/vmlinuz' }),
      vm({ kernel: undefined, initrd: '/i', disk: { path: '/d' } }),
      vm({ networks: [{ type: 'bridge' as never }] }),
      vm({ networks: [{ type: 'network', source: "x'/><evil" }] }),
      vm({ domainType: 'xen' as never }),
    ];
    for (const b of bad) {
      try {
        validateVmSpec(b);
        throw new Error(`accepted ${JSON.stringify(b)}`);
      } catch (e) {
        expect((e as KhutulunError).code).toBe('KH-VM-BAD-SPEC');
      }
    }
  });
});

describe.skipIf(!binding)('LibvirtRuntimeAdapter on test:///default (the real binding)', () => {
  it('defines and starts, is idempotent, replaces on a changed spec, re-attaches, removes; other hosts stay invisible', async () => {
    const api = new UnraidLibvirtApi('test:///default'); // the test driver keeps state per connection: share it
    const a = new LibvirtRuntimeAdapter({ stateDir: dir, uri: 'test:///default', hostId: 'h1', api });
    const other = new LibvirtRuntimeAdapter({ stateDir: dir, uri: 'test:///default', hostId: 'h2', api });
    const first = await a.ensure('d/vm', vm());
    expect(first.state).toBe('running');
    expect(first.runtime).toBe('libvirt');
    expect(first.handle).toMatch(/^[0-9a-f-]{36}$/);
    expect((await a.ensure('d/vm', vm())).handle).toBe(first.handle);
    const replaced = await a.ensure('d/vm', vm({ vcpus: 2 }));
    expect(replaced.state).toBe('running');
    expect(replaced.handle).not.toBe(first.handle);
    // The driver's own `test` domain and another host's VM are not ours.
    await other.ensure('d/theirs', vm());
    expect((await a.list()).map((o) => o.id)).toEqual(['d/vm']);
    expect(await a.observe('d/theirs')).toBeUndefined();
    // An agent restart: a new adapter finds it by the identity in the domain.
    const b = new LibvirtRuntimeAdapter({ stateDir: dir, uri: 'test:///default', hostId: 'h1', api });
    expect((await b.list()).map((o) => [o.id, o.handle])).toEqual([['d/vm', replaced.handle]]);
    await b.remove('d/vm');
    expect(await b.observe('d/vm')).toBeUndefined();
    await b.remove('d/vm');
    expect(await a.list()).toEqual([]);
    await other.remove('d/theirs');
    await a.close();
  });

  it('coded faults leave nothing defined: a missing kernel, an unreachable libvirt', async () => {
    const api = new UnraidLibvirtApi('test:///default');
    const a = new LibvirtRuntimeAdapter({ stateDir: dir, uri: 'test:///default', hostId: 'h1', api });
    expect(await code(a.ensure('d/nokernel', vm({ kernel: join(dir, 'missing') })))).toBe('KH-VM-FILE-MISSING');
    expect(await a.list()).toEqual([]);
    const down = new LibvirtRuntimeAdapter({ stateDir: dir, uri: 'qemu+unix:///system?socket=/nonexistent/libvirt.sock', hostId: 'h1' });
    expect(await code(down.ready())).toBe('KH-VM-UNAVAILABLE');
    await a.close();
    await down.close();
  });
});

describe('LibvirtRuntimeAdapter without the binding or a host: what it picks and says', () => {
  it('KVM where /dev/kvm exists, TCG otherwise (the XML it defines)', async () => {
    const defined: string[] = [];
    const fake = {
      open: async () => undefined, close: async () => undefined, lookup: async () => undefined,
      define: async (xml: string) => (defined.push(xml), 'dom'), start: async () => undefined, shutdown: async () => undefined,
      destroy: async () => undefined, undefine: async () => undefined, state: async () => 1, xml: async () => defined.at(-1)!, uuid: async () => 'u', all: async () => [],
    };
    // observe() looks the domain up by name: answer with the one just defined.
    fake.lookup = async () => (defined.length ? 'dom' : undefined) as never;
    for (const [kvm, type] of [[true, 'kvm'], [false, 'qemu']] as const) {
      defined.length = 0;
      const a = new LibvirtRuntimeAdapter({ stateDir: dir, uri: 'qemu:///system', hostId: 'h', api: fake, hasKvm: () => kvm });
      await a.ensure('d/x', vm());
      expect(defined[0]).toContain(`<domain type='${type}'>`);
      expect(defined[0]).toContain("<serial type='file'>");
      await a.close();
    }
  });
});

describe('khutulun.libvirt plugin: vertex -> spec', () => {
  const vertex = (properties: Record<string, unknown>) =>
    ({ id: 'd/nodes/g', classes: ['khutulun.org:core:VirtualMachine'], properties, attributes: {}, edges: [] }) as unknown as Parameters<typeof virtualMachineSpec>[0];

  it('maps sizes, boot files and networks; refuses a VM with nothing to boot', () => {
    expect(virtualMachineSpec(vertex({ vcpus: 2, memory: '512 MiB', kernel: '/k', initrd: '/i', cmdline: 'console=ttyS0', networks: ['user', 'default'], stop_timeout: '10 s' }))).toEqual({
      kind: 'vm', vcpus: 2, memory: 512 * MIB, kernel: '/k', initrd: '/i', cmdline: 'console=ttyS0',
      networks: [{ type: 'user' }, { type: 'network', source: 'default' }], stopTimeoutMs: 10_000,
    });
    expect(virtualMachineSpec(vertex({ disk: '/d.qcow2', disk_format: 'qcow2' })).disk).toEqual({ path: '/d.qcow2', format: 'qcow2' });
    expect(() => virtualMachineSpec(vertex({ vcpus: 1 }))).toThrow(/kernel or a disk/);
  });
});
