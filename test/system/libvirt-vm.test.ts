/**
 * A real tiny guest under libvirtd + QEMU (qemu:///system on the private socket that
 * scripts/ci/daemons.sh starts; TCG here, there is no /dev/kvm): the Debian kernel and a busybox
 * initramfs whose init prints a marker on the serial console. Boots, is found again by a new
 * adapter (a new connection: a real re-attach), and is shut down + undefined with nothing left.
 * vm.boot is reported beside `virsh create` of the same XML, polled the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../contracts/wait-for.js';
import { LibvirtRuntimeAdapter, domainName, domainXml } from '../../runtimes/libvirt/index.js';
import type { VirtualMachineSpec } from '../../runtimes/workload.js';


const uri = process.env['KH_CI_LIBVIRT_URI'];
const kernel = process.env['KH_VM_KERNEL'];
const initrd = process.env['KH_VM_INITRD'];
const enabled = ((): boolean => {
  if (uri && kernel && initrd) return true;
  if (process.env['CI']) throw new Error('KH_CI_LIBVIRT_URI / KH_VM_KERNEL are not set: scripts/ci/daemons.sh start did not start libvirtd');
  return false;
})();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const MARKER = 'khutulun guest up';
const virsh = (...args: string[]): string => execFileSync('virsh', ['-c', uri!, ...args], { encoding: 'utf8', timeout: 60_000 });

describe.skipIf(!enabled)('libvirt: a real guest under qemu:///system', () => {
  it('boots to its init, is re-attached by a new adapter, and leaves nothing after remove', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kh-vm-'));
    dirs.push(stateDir);
    const spec: VirtualMachineSpec = { kind: 'vm', vcpus: 1, memory: 128 * 1024 * 1024, kernel: kernel!, initrd: initrd!, cmdline: 'console=ttyS0 panic=-1', stopTimeoutMs: 2_000 };
    const hostId = `vm-${process.pid}`;
    const id = `vmtest/guest-${process.pid}`;
    const a = new LibvirtRuntimeAdapter({ stateDir, uri: uri!, hostId });
    const t0 = performance.now();
    const o = await a.ensure(id, spec);
    expect(o.state).toBe('running');
    expect(o.info?.['libvirtState']).toBe(1);
    await waitFor(async () => ((await a.logText(id)).stdout.includes(MARKER) ? true : undefined), 'the guest init', 120_000);
    const bootMs = performance.now() - t0;
    await a.close();

    const b = new LibvirtRuntimeAdapter({ stateDir, uri: uri!, hostId });
    const found = await b.list();
    expect(found.map((w) => [w.id, w.state, w.handle])).toEqual([[id, 'running', o.handle]]);
    expect((await b.ensure(id, spec)).handle).toBe(o.handle); // no second guest after the restart
    await b.remove(id);
    expect(await b.list()).toEqual([]);
    expect(virsh('list', '--all', '--name')).not.toContain(domainName(id));
    await b.close();

    // Baseline: the same XML through `virsh create`, its console polled the same way.
    const log = join(stateDir, 'baseline.log');
    const xmlPath = join(stateDir, 'baseline.xml');
    writeFileSync(xmlPath, domainXml(`${id}-virsh`, spec, { identity: { workload: `${id}-virsh`, host: 'baseline', hash: '-' }, type: existsSync('/dev/kvm') ? 'kvm' : 'qemu', consoleLog: log }));
    const t1 = performance.now();
    virsh('create', xmlPath);
    try {
      await waitFor(async () => (existsSync(log) && readFileSync(log, 'utf8').includes(MARKER) ? true : undefined), 'the baseline guest', 120_000);
    } finally {
      virsh('destroy', domainName(`${id}-virsh`));
    }
    const virshMs = performance.now() - t1;
    console.log(`vm.boot: adapter ${Math.round(bootMs)} ms, virsh create ${Math.round(virshMs)} ms (until "${MARKER}" on the console)`);
  }, 300_000);
});
