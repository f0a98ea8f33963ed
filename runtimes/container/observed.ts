/** Pure mapping from an engine's inspect result to ObservedWorkload. */
import type { ObservedWorkload, PortSpec, WorkloadState } from '../workload.js';
import type { ContainerInspect } from './docker-api.js';
import { labelKeys } from './container-spec.js';
import { ContainerErrorCode } from './errors.js';

export function mapState(inspect: ContainerInspect): WorkloadState {
  const s = inspect.State;
  switch (s.Status) {
    case 'created':
    case 'configured': // podman: created, never started
    case 'initialized':
      return 'pending';
    case 'running':
    case 'paused':
      return 'running';
    case 'restarting':
      return 'starting';
    case 'removing':
    case 'stopping':
      return 'stopping';
    case 'exited':
    case 'stopped':
      return (s.ExitCode ?? 0) === 0 ? 'exited' : 'failed';
    case 'dead':
      return 'failed';
    default:
      return 'unknown';
  }
}

function parseTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-')) return undefined; // Go zero time = never
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** Declared ports with the host ports the engine really bound (it chooses when hostPort was 0). */
export function observedPorts(inspect: ContainerInspect, declared: readonly PortSpec[]): PortSpec[] {
  const bound = inspect.NetworkSettings?.Ports ?? {};
  return declared.map((p) => {
    const inner = p.containerPort ?? p.hostPort;
    const binding = bound[`${inner}/${p.protocol}`]?.find((b) => b.HostPort);
    const hostPort = binding?.HostPort ? Number(binding.HostPort) : p.hostPort;
    return { ...p, ...(hostPort ? { hostPort } : {}) };
  });
}

function declaredPorts(labels: Record<string, string>, key: string): PortSpec[] {
  try {
    const parsed: unknown = JSON.parse(labels[key] ?? '[]');
    return Array.isArray(parsed) ? (parsed as PortSpec[]) : [];
  } catch {
    return [];
  }
}

export function toObserved(
  inspect: ContainerInspect,
  options: { runtime: string; labelPrefix: string; fallbackId?: string },
): ObservedWorkload {
  const keys = labelKeys(options.labelPrefix);
  const labels = inspect.Config.Labels ?? {};
  const state = mapState(inspect);
  const s = inspect.State;
  const started = parseTime(s.StartedAt);
  const info: Record<string, string | number | boolean> = {
    name: inspect.Name.replace(/^\//, ''),
    status: s.Status,
  };
  if (inspect.Config.Image) info['image'] = inspect.Config.Image;
  if (s.Health?.Status) info['health'] = s.Health.Status;
  if (inspect.NetworkSettings?.IPAddress) info['ip'] = inspect.NetworkSettings.IPAddress;
  const pod = labels[keys.pod];
  if (pod) info['pod'] = pod;
  if (s.OOMKilled) info['oomKilled'] = true;
  const sandbox = labels[keys.sandbox];
  if (sandbox) info['sandbox'] = sandbox;
  // Podman's compat inspect says "oci" for every runtime: the label then says which one was asked for.
  const runtime = inspect.HostConfig?.Runtime;
  const ociRuntime = runtime && runtime !== 'oci' ? runtime : labels[keys.ociRuntime];
  if (ociRuntime) info['ociRuntime'] = ociRuntime;
  const failed = state === 'failed';
  return {
    id: labels[keys.workload] ?? options.fallbackId ?? inspect.Name,
    runtime: options.runtime,
    state,
    handle: inspect.Id,
    ...(s.Pid ? { pid: s.Pid } : {}),
    ...(state === 'exited' || state === 'failed' ? { exitCode: s.ExitCode ?? 0 } : {}),
    ...(failed
      ? {
          cause: {
            code: s.OOMKilled ? 'KH-CONT-008' : 'KH-CONT-009',
            message: s.OOMKilled
              ? 'container was killed for exceeding its memory limit'
              : `container exited with code ${s.ExitCode ?? '?'}${s.Error ? `: ${s.Error}` : ''}`,
            retryable: true,
            hint: s.OOMKilled ? 'raise limits.memory' : 'read the container logs (adapter.logs)',
          },
        }
      : {}),
    ...(started !== undefined ? { startedAt: started } : {}),
    restarts: inspect.RestartCount ?? 0,
    ports: observedPorts(inspect, declaredPorts(labels, keys.ports)),
    info,
  };
}

/** Codes used in ObservedWorkload.cause (kept next to the other container codes). */
export const ObservedCauseCode = { oomKilled: 'KH-CONT-008', exited: 'KH-CONT-009', engine: ContainerErrorCode.engine } as const;
