/**
 * khutulun.container — the Standard lifecycle of a container (khutulun.org:core:Container) and of
 * a pod (khutulun.org:core:Pod) as RuntimeIntents for `podman` (default) or `docker`.
 * A container hosted on a Pod joins it (spec.pod = the pod's name).
 */
import type { JsonValue } from '../../effects.js';
import type { ContainerSpec, MountSpec, WorkloadSpec } from '../../../runtimes/workload.js';
import type { VertexSnapshot } from '../../host/call.js';
import { definePlugin, fail } from '../../sdk/define-plugin.js';
import { readBoolean, readString, readStringList, readStringMap } from '../../sdk/read-properties.js';
import { attachedNetworks, connectionEnv, lifecycleHandlers, readLimits, readPorts, readRestart, readStopTimeout } from '../common/index.js';

const isPod = (classes: string[]): boolean => classes.some((c) => /(^|[:.])Pod$/.test(c));

function runtimeOf(vertex: VertexSnapshot): string {
  const runtime = readString(vertex, 'runtime') ?? 'podman';
  if (runtime !== 'podman' && runtime !== 'docker') {
    return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: runtime must be podman or docker, got ${runtime}`, { hint: 'omit it for podman' });
  }
  return runtime;
}

/** The pod a container is hosted on (its outgoing `host` edge to a Pod), if any. */
function hostPod(vertex: VertexSnapshot): string | undefined {
  const edge = vertex.edges.find((e) => e.direction === 'out' && isPod(e.peer.classes));
  if (!edge) return undefined;
  const name = edge.peer.properties.name;
  return typeof name === 'string' ? name : podName(edge.peer.id);
}

const podName = (id: string): string => id.replace(/[^A-Za-z0-9_.-]+/g, '-');

function readMounts(vertex: VertexSnapshot): MountSpec[] | undefined {
  const v = vertex.properties.mounts;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: mounts must be a list`);
  return v.map((m: JsonValue, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof m.source !== 'string' || typeof m.target !== 'string') {
      return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: mounts[${i}] needs source and target`);
    }
    const mount: MountSpec = { source: m.source, target: m.target };
    if (m.read_only === true) mount.readOnly = true;
    if (m.type === 'bind' || m.type === 'volume') mount.type = m.type;
    return mount;
  });
}

export function containerSpec(vertex: VertexSnapshot): WorkloadSpec {
  if (isPod(vertex.classes)) {
    // A pod is the shared network namespace of its containers; its ports are published on it.
    const ports = readPorts(vertex);
    return { kind: 'pod', name: readString(vertex, 'name') ?? podName(vertex.id), ...(ports ? { ports } : {}) };
  }
  const spec: ContainerSpec = { kind: 'container', image: readString(vertex, 'image', true) };
  const pull = readBoolean(vertex, 'pull');
  const importTar = readString(vertex, 'image_tar');
  if (pull !== undefined || importTar !== undefined) {
    spec.imageSource = { ...(pull !== undefined ? { pull } : {}), ...(importTar !== undefined ? { loadTar: importTar } : {}) };
  }
  const command = readStringList(vertex, 'command');
  if (command) spec.command = command;
  const entrypoint = readStringList(vertex, 'entrypoint');
  if (entrypoint) spec.entrypoint = entrypoint;
  const env = { ...connectionEnv(vertex), ...readStringMap(vertex, 'env') };
  if (Object.keys(env).length > 0) spec.env = env;
  const workingDir = readString(vertex, 'working_dir');
  if (workingDir !== undefined) spec.workingDir = workingDir;
  const user = readString(vertex, 'user');
  if (user !== undefined) spec.user = user;
  const mounts = readMounts(vertex);
  if (mounts) spec.mounts = mounts;
  const ports = readPorts(vertex);
  if (ports) spec.ports = ports;
  const limits = readLimits(vertex);
  if (limits) spec.limits = limits;
  const restart = readRestart(vertex);
  if (restart) spec.restart = restart;
  const stopTimeoutMs = readStopTimeout(vertex);
  if (stopTimeoutMs !== undefined) spec.stopTimeoutMs = stopTimeoutMs;
  const network = readString(vertex, 'network');
  if (network !== undefined) spec.network = network;
  const pod = hostPod(vertex);
  if (pod !== undefined) spec.pod = pod;
  const ociRuntime = readString(vertex, 'oci_runtime');
  if (ociRuntime !== undefined) spec.ociRuntime = ociRuntime;
  const sandbox = readString(vertex, 'sandbox');
  if (sandbox !== undefined && sandbox !== 'runc') {
    if (sandbox !== 'gvisor' && sandbox !== 'kata') {
      return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: sandbox must be runc, gvisor or kata, got ${sandbox}`, { hint: 'omit it for runc' });
    }
    spec.sandbox = sandbox;
  }
  const labels = readStringMap(vertex, 'labels');
  if (labels) spec.labels = labels;
  const ovnNetworks = attachedNetworks(vertex);
  if (ovnNetworks) spec.ovnNetworks = ovnNetworks;
  return spec;
}

export const { describe, invoke } = definePlugin(
  'khutulun.container',
  lifecycleHandlers({ runtime: runtimeOf, spec: containerSpec }),
  { version: '0.1.0' },
);
