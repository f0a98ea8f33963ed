/**
 * Reads the properties shared by the Process and Container node types (profiles/khutulun) into
 * the workload-spec parts of runtimes/workload.ts. Runs inside the built-in plugins.
 */
import type { JsonValue } from '../../effects.js';
import type { VertexSnapshot } from '../../host/call.js';
import type { ArtifactSpec, PortSpec, ResourceLimits, RestartPolicy } from '../../../runtimes/workload.js';
import { fail } from '../../sdk/define-plugin.js';
import { parseDurationMs, parseSizeBytes } from '../../sdk/scalars.js';

const PROPERTY = 'KH-PLUGIN-PROPERTY';
type Obj = Record<string, JsonValue>;
const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

/** `restart`: never | on-failure | always (data type khutulun.org:core:RestartPolicy). */
export function readRestart(vertex: VertexSnapshot): RestartPolicy | undefined {
  const v = vertex.properties.restart;
  if (v === undefined || v === null) return undefined;
  if (v === 'never' || v === 'on-failure' || v === 'always') return v;
  return fail(PROPERTY, `vertex ${vertex.id}: restart must be never, on-failure or always`, { hint: 'fix the restart property' });
}

/** `limits`: { memory: scalar-unit.size, cpus: float, pids: integer } (data type Limits). */
export function readLimits(vertex: VertexSnapshot): ResourceLimits | undefined {
  const v = vertex.properties.limits;
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return fail(PROPERTY, `vertex ${vertex.id}: limits must be a map`, { hint: 'use memory, cpus, pids' });
  const limits: ResourceLimits = {};
  const memory = parseSizeBytes(v.memory, 'limits.memory');
  if (memory !== undefined) limits.memory = memory;
  if (num(v.cpus) !== undefined) limits.cpus = num(v.cpus)!;
  if (num(v.pids) !== undefined) limits.pids = num(v.pids)!;
  return limits;
}

/** `ports`: list of PortSpec { name, protocol, port, host_port, firewall_zone }. */
export function readPorts(vertex: VertexSnapshot): PortSpec[] | undefined {
  const v = vertex.properties.ports;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return fail(PROPERTY, `vertex ${vertex.id}: ports must be a list of PortSpec`, { hint: 'see profiles/khutulun' });
  return v.map((p, i) => {
    if (!isObj(p) || typeof p.name !== 'string') {
      return fail(PROPERTY, `vertex ${vertex.id}: ports[${i}] needs a name`, { hint: 'e.g. { name: http, port: 8080 }' });
    }
    const protocol = p.protocol ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp') return fail(PROPERTY, `vertex ${vertex.id}: ports[${i}].protocol must be tcp or udp`);
    const spec: PortSpec = { name: p.name, protocol };
    if (num(p.port) !== undefined) spec.containerPort = num(p.port)!;
    if (num(p.host_port) !== undefined) spec.hostPort = num(p.host_port)!;
    if (str(p.firewall_zone) !== undefined) spec.firewallZone = str(p.firewall_zone)!;
    return spec;
  });
}

/** `artifacts`: list of { source, target, checksum: "sha256:<hex>", executable }. */
export function readArtifacts(vertex: VertexSnapshot): ArtifactSpec[] | undefined {
  const v = vertex.properties.artifacts;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return fail(PROPERTY, `vertex ${vertex.id}: artifacts must be a list`);
  return v.map((a, i) => {
    if (!isObj(a) || typeof a.source !== 'string') return fail(PROPERTY, `vertex ${vertex.id}: artifacts[${i}] needs a source`);
    const target = str(a.target) ?? a.source.split('/').pop() ?? a.source;
    const spec: ArtifactSpec = { source: a.source, target };
    if (a.checksum !== undefined && a.checksum !== null) {
      if (typeof a.checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(a.checksum)) {
        return fail(PROPERTY, `vertex ${vertex.id}: artifacts[${i}].checksum must be sha256:<64 hex digits>`);
      }
      spec.checksum = a.checksum;
    }
    if (a.executable === true) spec.executable = true;
    return spec;
  });
}

export function readStopTimeout(vertex: VertexSnapshot): number | undefined {
  return parseDurationMs(vertex.properties.stop_timeout, 'stop_timeout');
}

const envName = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/**
 * ConnectsTo: every outgoing edge whose classes name ConnectsTo exposes its target to the source
 * as environment variables `<REQUIREMENT>_ADDRESS`, `<REQUIREMENT>_PORT` and `<REQUIREMENT>_URL`
 * (from the target's attributes first, then its properties).
 */
export function connectionEnv(vertex: VertexSnapshot): Record<string, string> {
  const env: Record<string, string> = {};
  for (const edge of vertex.edges) {
    if (edge.direction !== 'out' || !edge.classes.some((c) => /ConnectsTo$/.test(c))) continue;
    const peer = edge.peer;
    const pick = (key: string): JsonValue | undefined => peer.attributes?.[key] ?? peer.properties[key];
    const prefix = envName(edge.name);
    const address = pick('address') ?? '127.0.0.1';
    let port = pick('port');
    const ports = pick('ports');
    if (port === undefined && Array.isArray(ports) && isObj(ports[0])) port = ports[0].host_port ?? ports[0].port;
    if (typeof address === 'string') env[`${prefix}_ADDRESS`] = address;
    if (typeof port === 'number') env[`${prefix}_PORT`] = String(port);
    const url = pick('url');
    if (typeof url === 'string') env[`${prefix}_URL`] = url;
  }
  return env;
}

/**
 * AttachesTo: the OVN networks (workload ids of their Network vertices) an outgoing `network`
 * edge names; the runtime gives the workload a port on each (runtimes/ovn/network-attach-runtime.ts).
 */
export function attachedNetworks(vertex: VertexSnapshot): string[] | undefined {
  const ids = vertex.edges
    .filter((e) => e.direction === 'out' && e.classes.some((c) => /AttachesTo$/.test(c)))
    .map((e) => (vertex.deployment ? `${vertex.deployment}/${e.peer.id}` : e.peer.id));
  return ids.length > 0 ? [...new Set(ids)].sort() : undefined;
}
