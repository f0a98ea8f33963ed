/**
 * khutulun.nspawn — the Standard lifecycle of a system container (khutulun.org:core:SystemContainer)
 * as RuntimeIntents for the `nspawn` runtime (runtimes/nspawn). Built into a Wasm component by
 * scripts/build-plugins.mjs.
 */
import type { JsonValue } from '../../effects.js';
import type { MountSpec } from '../../../runtimes/workload.js';
import type { SystemContainerSpec } from '../../../runtimes/nspawn/spec.js';
import type { VertexSnapshot } from '../../host/call.js';
import { definePlugin, fail } from '../../sdk/define-plugin.js';
import { readBoolean, readString, readStringList, readStringMap } from '../../sdk/read-properties.js';
import { attachedNetworks, connectionEnv, lifecycleHandlers, readLimits, readPorts, readRestart, readStopTimeout } from '../common/index.js';

function readMounts(vertex: VertexSnapshot): MountSpec[] | undefined {
  const v = vertex.properties.mounts;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: mounts must be a list`);
  return v.map((m: JsonValue, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof m.source !== 'string' || typeof m.target !== 'string') {
      return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: mounts[${i}] needs source and target`);
    }
    if (m.type !== undefined && m.type !== 'bind') return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: mounts[${i}]: a system container takes bind mounts only`);
    return { source: m.source, target: m.target, ...(m.read_only === true ? { readOnly: true } : {}) };
  });
}

const NETWORKS = ['host', 'private', 'veth'] as const;

export function systemContainerSpec(vertex: VertexSnapshot): SystemContainerSpec {
  const spec: SystemContainerSpec = { kind: 'system-container' };
  const directory = readString(vertex, 'directory');
  if (directory !== undefined) spec.directory = directory;
  const imageTar = readString(vertex, 'image_tar');
  if (imageTar !== undefined) spec.imageTar = imageTar;
  if (directory === undefined && imageTar === undefined) {
    return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: a SystemContainer needs directory or image_tar`, { hint: 'give the OS tree or its tarball' });
  }
  if (readBoolean(vertex, 'boot') === true) spec.boot = true;
  const command = readStringList(vertex, 'command');
  if (command) spec.command = command;
  const env = { ...connectionEnv(vertex), ...readStringMap(vertex, 'env') };
  if (Object.keys(env).length > 0) spec.env = env;
  const workingDir = readString(vertex, 'working_dir');
  if (workingDir !== undefined) spec.workingDir = workingDir;
  const user = readString(vertex, 'user');
  if (user !== undefined) spec.user = user;
  const mounts = readMounts(vertex);
  if (mounts) spec.mounts = mounts;
  const network = readString(vertex, 'network');
  if (network !== undefined) {
    if (!(NETWORKS as readonly string[]).includes(network)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: network must be host, private or veth`);
    spec.network = network as SystemContainerSpec['network'] & string;
  }
  const killSignal = readString(vertex, 'kill_signal');
  if (killSignal !== undefined) spec.killSignal = killSignal;
  if (readBoolean(vertex, 'read_only') === true) spec.readOnly = true;
  const ports = readPorts(vertex);
  if (ports) spec.ports = ports;
  const limits = readLimits(vertex);
  if (limits) spec.limits = limits;
  const restart = readRestart(vertex);
  if (restart) spec.restart = restart;
  const stopTimeoutMs = readStopTimeout(vertex);
  if (stopTimeoutMs !== undefined) spec.stopTimeoutMs = stopTimeoutMs;
  const ovnNetworks = attachedNetworks(vertex);
  if (ovnNetworks) spec.ovnNetworks = ovnNetworks;
  return spec;
}

export const { describe, invoke } = definePlugin(
  'khutulun.nspawn',
  lifecycleHandlers({ runtime: () => 'nspawn', spec: systemContainerSpec }),
  { version: '0.1.0' },
);
