/**
 * Pure mapping from a ContainerSpec to the engine's create body: validation, names, labels, the
 * spec hash that makes ensure() idempotent. No I/O here, so all of it is unit-tested directly.
 */
import { createHash } from 'node:crypto';
import type { ContainerSpec, PortSpec, WorkloadId } from '../workload.js';
import type { CreateContainerBody, PortBinding } from './docker-api.js';
import type { ContainerEngineConfig } from './engine-config.js';
import { badSpec } from './errors.js';
import { ociRuntimeOf, sandboxNetworkMode } from './sandbox.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY_RE = /^[^=\0]+$/;
const IMAGE_RE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;

export function labelKeys(prefix: string) {
  return {
    managed: `${prefix}.managed`,
    host: `${prefix}.host`,
    workload: `${prefix}.workload`,
    specHash: `${prefix}.spec-hash`,
    ports: `${prefix}.ports`,
    pod: `${prefix}.pod`,
    sandbox: `${prefix}.sandbox`,
    ociRuntime: `${prefix}.oci-runtime`,
  } as const;
}

/** Key-order-independent JSON, so equal specs hash equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function specHash(spec: ContainerSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}

/** Engine-safe, stable, unique container name for a workload id like `deploy/vertex#2`. */
export function containerName(id: WorkloadId): string {
  const safe = id.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^-+/, '').slice(0, 40);
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `kh-${safe}-${digest}`;
}

export function podName(pod: string): string {
  return `kh-pod-${pod}`;
}

function isPositiveInt(n: unknown, allowZero = false): n is number {
  return typeof n === 'number' && Number.isInteger(n) && (allowZero ? n >= 0 : n > 0);
}

function checkStrings(value: unknown, field: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw badSpec(`${field} must be an array of strings`, { field });
  }
}

function checkPort(port: PortSpec, index: number): void {
  const field = `ports[${index}]`;
  if (typeof port !== 'object' || port === null) throw badSpec(`${field} must be an object`, { field });
  if (port.protocol !== 'tcp' && port.protocol !== 'udp') throw badSpec(`${field}.protocol must be tcp or udp`, { field });
  const inner = port.containerPort ?? port.hostPort;
  if (!isPositiveInt(inner) || inner > 65535) throw badSpec(`${field} needs a containerPort in 1..65535`, { field });
  if (port.hostPort !== undefined && (!isPositiveInt(port.hostPort, true) || port.hostPort > 65535)) {
    throw badSpec(`${field}.hostPort must be in 0..65535 (0 = let the engine choose)`, { field });
  }
}

/** Throws KH-CONT-004 on anything the engine would reject or misread. */
export function validateContainerSpec(spec: unknown): asserts spec is ContainerSpec {
  if (typeof spec !== 'object' || spec === null) throw badSpec('container spec must be an object');
  const s = spec as ContainerSpec;
  if (s.kind !== 'container') throw badSpec(`spec kind must be "container", got ${JSON.stringify(s.kind)}`);
  if (typeof s.image !== 'string' || !IMAGE_RE.test(s.image)) {
    throw badSpec(`image must be an image reference like localhost/app:1.0, got ${JSON.stringify(s.image)}`, { field: 'image' });
  }
  checkStrings(s.command, 'command');
  checkStrings(s.entrypoint, 'entrypoint');
  for (const field of ['workingDir', 'user', 'network', 'ociRuntime'] as const) {
    if (s[field] !== undefined && typeof s[field] !== 'string') throw badSpec(`${field} must be a string`, { field });
  }
  for (const field of ['env', 'labels', 'limits', 'health', 'imageSource'] as const) {
    const v = s[field];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) throw badSpec(`${field} must be an object`, { field });
  }
  for (const field of ['mounts', 'ports'] as const) {
    const v = s[field];
    if (v !== undefined && (!Array.isArray(v) || v.some((m) => typeof m !== 'object' || m === null))) {
      throw badSpec(`${field} must be an array of objects`, { field });
    }
  }
  const h = s.health;
  if (h) {
    checkStrings(h.command, 'health.command');
    if (h.httpGet !== undefined && (typeof h.httpGet !== 'object' || h.httpGet === null || !isPositiveInt(h.httpGet.port) || typeof h.httpGet.path !== 'string' || !h.httpGet.path.startsWith('/'))) {
      throw badSpec('health.httpGet needs { port, path starting with / }', { field: 'health.httpGet' });
    }
    for (const field of ['tcpPort', 'intervalMs', 'timeoutMs', 'retries'] as const) {
      if (h[field] !== undefined && !isPositiveInt(h[field])) throw badSpec(`health.${field} must be a positive integer`, { field: `health.${field}` });
    }
  }
  for (const [key, value] of Object.entries(s.labels ?? {})) {
    if (typeof value !== 'string') throw badSpec(`label ${JSON.stringify(key)} must have a string value`, { field: 'labels' });
  }
  for (const key of Object.keys(s.env ?? {})) {
    if (!ENV_KEY_RE.test(key) || typeof s.env?.[key] !== 'string') throw badSpec(`env ${JSON.stringify(key)} is invalid`, { field: 'env' });
  }
  (s.mounts ?? []).forEach((m, i) => {
    const type = m.type ?? 'bind';
    if (typeof m.target !== 'string' || !m.target.startsWith('/')) throw badSpec(`mounts[${i}].target must be an absolute path`);
    if (type === 'bind' && (typeof m.source !== 'string' || !m.source.startsWith('/'))) {
      throw badSpec(`mounts[${i}].source must be an absolute host path for a bind mount`);
    }
    if (type === 'volume' && (typeof m.source !== 'string' || !NAME_RE.test(m.source))) {
      throw badSpec(`mounts[${i}].source must be a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
    }
  });
  const seen = new Set<string>();
  (s.ports ?? []).forEach((p, i) => {
    checkPort(p, i);
    const key = `${p.containerPort ?? p.hostPort}/${p.protocol}`;
    if (seen.has(key)) throw badSpec(`ports[${i}] publishes ${key} twice`);
    seen.add(key);
  });
  const l = s.limits;
  if (l) {
    if (l.memory !== undefined && (!isPositiveInt(l.memory) || l.memory < 6 * 1024 * 1024)) {
      throw badSpec('limits.memory must be bytes, at least 6 MiB', { field: 'limits.memory' });
    }
    if (l.cpus !== undefined && !(typeof l.cpus === 'number' && l.cpus > 0 && l.cpus <= 1024)) {
      throw badSpec('limits.cpus must be a number of cores > 0', { field: 'limits.cpus' });
    }
    if (l.pids !== undefined && !isPositiveInt(l.pids)) throw badSpec('limits.pids must be a positive integer');
  }
  if (s.restart !== undefined && !['never', 'on-failure', 'always'].includes(s.restart)) {
    throw badSpec('restart must be never, on-failure or always', { field: 'restart' });
  }
  if (s.pod !== undefined && (typeof s.pod !== 'string' || !NAME_RE.test(s.pod))) throw badSpec('pod must be a simple name');
  if (s.pod !== undefined && s.network !== undefined) throw badSpec('a pod member cannot choose its own network');
  if (s.stopTimeoutMs !== undefined && !isPositiveInt(s.stopTimeoutMs, true)) throw badSpec('stopTimeoutMs must be >= 0');
  ociRuntimeOf(s); // sandbox is one of runc|gvisor|kata and agrees with ociRuntime
}

export function portBindings(ports: readonly PortSpec[] | undefined): Record<string, PortBinding[]> {
  const bindings: Record<string, PortBinding[]> = {};
  for (const p of ports ?? []) {
    const inner = p.containerPort ?? p.hostPort;
    // An empty HostPort asks the engine to pick a free one.
    bindings[`${inner}/${p.protocol}`] = [{ HostIp: '', HostPort: p.hostPort ? String(p.hostPort) : '' }];
  }
  return bindings;
}

const MS_TO_NS = 1_000_000;

function healthcheck(spec: ContainerSpec): CreateContainerBody['Healthcheck'] {
  const h = spec.health;
  if (!h) return undefined;
  let test: string[];
  // tcp/http probes run inside the image: they need busybox-style nc/wget there.
  if (h.command) test = ['CMD', ...h.command];
  else if (h.httpGet) test = ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${h.httpGet.port}${h.httpGet.path}`];
  else if (h.tcpPort) test = ['CMD-SHELL', `nc -z 127.0.0.1 ${h.tcpPort}`];
  else return undefined;
  return {
    Test: test,
    Interval: (h.intervalMs ?? 10_000) * MS_TO_NS,
    Timeout: (h.timeoutMs ?? 5_000) * MS_TO_NS,
    Retries: h.retries ?? 3,
  };
}

const RESTART = { never: 'no', 'on-failure': 'on-failure', always: 'always' } as const;

export interface CreateContext {
  config: ContainerEngineConfig;
  /** Set for pod members: the pod's engine name (ports and network belong to the pod). */
  podName?: string;
}

export function toCreateBody(id: WorkloadId, spec: ContainerSpec, context: CreateContext): CreateContainerBody {
  const keys = labelKeys(context.config.labelPrefix);
  const labels: Record<string, string> = {
    ...(spec.labels ?? {}),
    [keys.managed]: 'true',
    [keys.host]: context.config.hostId,
    [keys.workload]: id,
    [keys.specHash]: specHash(spec),
    [keys.ports]: JSON.stringify(spec.ports ?? []),
    ...(spec.pod ? { [keys.pod]: spec.pod } : {}),
    ...(spec.sandbox ? { [keys.sandbox]: spec.sandbox } : {}),
  };
  const runtime = ociRuntimeOf(spec, context.config.sandbox);
  if (runtime) labels[keys.ociRuntime] = runtime;
  const inPod = context.podName !== undefined;
  const bindings = inPod ? {} : portBindings(spec.ports);
  const exposed = Object.fromEntries(Object.keys(bindings).map((k) => [k, {}] as const));
  const health = healthcheck(spec);
  const networkMode = inPod ? undefined : (spec.network ?? sandboxNetworkMode(spec, runtime, context.config.sandbox));
  return {
    name: containerName(id),
    Image: spec.image,
    ...(spec.command ? { Cmd: spec.command } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.env ? { Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    Labels: labels,
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    ...(health ? { Healthcheck: health } : {}),
    ...(spec.stopTimeoutMs !== undefined ? { StopTimeout: Math.ceil(spec.stopTimeoutMs / 1000) } : {}),
    HostConfig: {
      ...(spec.mounts?.length
        ? { Binds: spec.mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`) }
        : {}),
      ...(Object.keys(bindings).length > 0 ? { PortBindings: bindings } : {}),
      ...(spec.limits?.memory !== undefined ? { Memory: spec.limits.memory } : {}),
      ...(spec.limits?.cpus !== undefined ? { NanoCpus: Math.round(spec.limits.cpus * 1e9) } : {}),
      ...(spec.limits?.pids !== undefined ? { PidsLimit: spec.limits.pids } : {}),
      RestartPolicy: { Name: RESTART[spec.restart ?? 'never'] },
      ...(networkMode ? { NetworkMode: networkMode } : {}),
      ...(runtime ? { Runtime: runtime } : {}),
      ...(context.config.ulimits ? { Ulimits: context.config.ulimits } : {}),
    },
  };
}
