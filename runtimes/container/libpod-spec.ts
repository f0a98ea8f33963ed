/**
 * Translates a compat create body into podman's SpecGenerator, for pod members: podman refuses
 * pod membership (and netns sharing with a pod's infra container) through the compat API.
 */
import type { CreateContainerBody } from './docker-api.js';

export interface LibpodSpec {
  name: string;
  image: string;
  pod: string;
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  work_dir?: string;
  user?: string;
  labels: Record<string, string>;
  healthconfig?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number };
  stop_timeout?: number;
  mounts?: { destination: string; source: string; type: 'bind'; options: string[] }[];
  volumes?: { Name: string; Dest: string; Options: string[] }[];
  resource_limits?: { memory?: { limit: number }; cpu?: { quota: number; period: number }; pids?: { limit: number } };
  restart_policy?: string;
  oci_runtime?: string;
  r_limits?: { type: string; hard: number; soft: number }[];
}

const CPU_PERIOD = 100_000;

export function toLibpodSpec(body: CreateContainerBody, pod: string): LibpodSpec {
  const h = body.HostConfig;
  const mounts: NonNullable<LibpodSpec['mounts']> = [];
  const volumes: NonNullable<LibpodSpec['volumes']> = [];
  for (const bind of h.Binds ?? []) {
    const [source = '', destination = '', mode] = bind.split(':');
    const options = mode === 'ro' ? ['ro'] : [];
    if (source.startsWith('/')) mounts.push({ destination, source, type: 'bind', options: ['rbind', ...options] });
    else volumes.push({ Name: source, Dest: destination, Options: options });
  }
  const limits: NonNullable<LibpodSpec['resource_limits']> = {};
  if (h.Memory !== undefined) limits.memory = { limit: h.Memory };
  if (h.NanoCpus !== undefined) limits.cpu = { quota: Math.round((h.NanoCpus / 1e9) * CPU_PERIOD), period: CPU_PERIOD };
  if (h.PidsLimit !== undefined) limits.pids = { limit: h.PidsLimit };
  return {
    name: body.name,
    image: body.Image,
    pod,
    ...(body.Cmd ? { command: body.Cmd } : {}),
    ...(body.Entrypoint ? { entrypoint: body.Entrypoint } : {}),
    ...(body.Env
      ? { env: Object.fromEntries(body.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])) }
      : {}),
    ...(body.WorkingDir ? { work_dir: body.WorkingDir } : {}),
    ...(body.User ? { user: body.User } : {}),
    labels: body.Labels,
    ...(body.Healthcheck ? { healthconfig: body.Healthcheck } : {}),
    ...(body.StopTimeout !== undefined ? { stop_timeout: body.StopTimeout } : {}),
    ...(mounts.length ? { mounts } : {}),
    ...(volumes.length ? { volumes } : {}),
    ...(Object.keys(limits).length ? { resource_limits: limits } : {}),
    ...(h.RestartPolicy && h.RestartPolicy.Name !== 'no' ? { restart_policy: h.RestartPolicy.Name } : {}),
    ...(h.Runtime ? { oci_runtime: h.Runtime } : {}),
    ...(h.Ulimits
      ? { r_limits: h.Ulimits.map((u) => ({ type: `RLIMIT_${u.Name.toUpperCase()}`, hard: u.Hard, soft: u.Soft })) }
      : {}),
  };
}
