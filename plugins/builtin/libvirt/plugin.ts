/**
 * khutulun.libvirt — the Standard lifecycle of a virtual machine (khutulun.org:core:VirtualMachine)
 * as RuntimeIntents for the `libvirt` runtime (runtimes/libvirt). Built into a Wasm component by
 * scripts/build-plugins.mjs.
 */
import type { VirtualMachineSpec } from '../../../runtimes/workload.js';
import type { VertexSnapshot } from '../../host/call.js';
import { definePlugin, fail } from '../../sdk/define-plugin.js';
import { readNumber, readString, readStringList } from '../../sdk/read-properties.js';
import { parseSizeBytes } from '../../sdk/scalars.js';
import { lifecycleHandlers, readStopTimeout } from '../common/index.js';

export function virtualMachineSpec(vertex: VertexSnapshot): VirtualMachineSpec {
  const memory = parseSizeBytes(vertex.properties.memory ?? '256 MiB', 'memory');
  const spec: VirtualMachineSpec = { kind: 'vm', vcpus: readNumber(vertex, 'vcpus') ?? 1, memory: memory ?? 256 * 1024 * 1024 };
  for (const field of ['kernel', 'initrd', 'cmdline'] as const) {
    const v = readString(vertex, field);
    if (v !== undefined) spec[field] = v;
  }
  const disk = readString(vertex, 'disk');
  if (disk !== undefined) {
    const format = readString(vertex, 'disk_format') ?? 'raw';
    if (format !== 'raw' && format !== 'qcow2') return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: disk_format must be raw or qcow2`);
    spec.disk = { path: disk, format };
  }
  if (spec.kernel === undefined && spec.disk === undefined) {
    return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: a VirtualMachine needs a kernel or a disk`, { hint: 'give kernel (+ initrd, cmdline) or disk' });
  }
  const networks = readStringList(vertex, 'networks');
  if (networks) spec.networks = networks.map((n) => (n === 'user' ? { type: 'user' as const } : { type: 'network' as const, source: n }));
  const stopTimeoutMs = readStopTimeout(vertex);
  if (stopTimeoutMs !== undefined) spec.stopTimeoutMs = stopTimeoutMs;
  return spec;
}

export const { describe, invoke } = definePlugin(
  'khutulun.libvirt',
  lifecycleHandlers({ runtime: () => 'libvirt', spec: virtualMachineSpec }),
  { version: '0.1.0' },
);
