/**
 * Coded errors of the bare-process runtime. Codes are stable API: callers branch on them, tests
 * assert them, and the hint tells an operator what to change.
 */
import { KhutulunError } from '../../common/index.js';

export const ProcessErrorCodes = {
  badSpec: 'KH-PROC-BAD-SPEC',
  notFound: 'KH-PROC-NOT-FOUND',
  permission: 'KH-PROC-PERMISSION',
  portTaken: 'KH-PROC-PORT-TAKEN',
  cgroupUnavailable: 'KH-PROC-CGROUP-UNAVAILABLE',
  userUnknown: 'KH-PROC-USER-UNKNOWN',
  spawnFailed: 'KH-PROC-SPAWN',
  stateCorrupt: 'KH-PROC-STATE',
  stateBusy: 'KH-PROC-STATE-BUSY',
  closed: 'KH-PROC-CLOSED',
} as const;

export function badSpec(id: string, problem: string): KhutulunError {
  return new KhutulunError(ProcessErrorCodes.badSpec, `process spec for ${id} is invalid: ${problem}`, {
    hint: 'fix the workload spec (kind "process", a non-empty command, string args/env, known restart policy)',
    details: { workload: id, problem },
  });
}

export function commandNotFound(id: string, command: string, searched: readonly string[]): KhutulunError {
  return new KhutulunError(ProcessErrorCodes.notFound, `command "${command}" of ${id} was not found`, {
    hint: 'install the program, give an absolute path, or ship it as an artifact of the workload',
    details: { workload: id, command, searched: [...searched] },
  });
}

export function permissionDenied(id: string, what: string, cause?: unknown): KhutulunError {
  return new KhutulunError(ProcessErrorCodes.permission, `permission denied for ${id}: ${what}`, {
    hint: 'make the file executable / readable, or run the agent as root to start processes as another user',
    details: { workload: id, what },
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function portTaken(id: string, port: number, protocol: string, pid: number | undefined): KhutulunError {
  const by = pid === undefined ? 'another process' : `pid ${pid}`;
  return new KhutulunError(ProcessErrorCodes.portTaken, `${protocol} port ${port} of ${id} is already taken by ${by}`, {
    retryable: true,
    hint: pid === undefined ? `free port ${port} or choose another hostPort` : `stop pid ${pid} or choose another hostPort`,
    details: { workload: id, port, protocol, ...(pid !== undefined ? { pid } : {}) },
  });
}

export function cgroupUnavailable(id: string, missing: readonly string[], reason: string): KhutulunError {
  return new KhutulunError(
    ProcessErrorCodes.cgroupUnavailable,
    `resource limits for ${id} cannot be enforced: no writable cgroup for ${missing.join(', ')} (${reason})`,
    {
      hint: 'run the agent as root on a host with cgroup v2 controllers or v1 memory/cpu/pids hierarchies, or drop the limits from the spec',
      details: { workload: id, missing: [...missing], reason },
    },
  );
}

export function userUnknown(id: string, user: string): KhutulunError {
  return new KhutulunError(ProcessErrorCodes.userUnknown, `user "${user}" of ${id} does not exist on this host`, {
    hint: 'create the user (useradd) or give a numeric uid[:gid]',
    details: { workload: id, user },
  });
}

export function spawnFailed(id: string, command: string, cause: unknown): KhutulunError {
  return new KhutulunError(ProcessErrorCodes.spawnFailed, `could not start ${command} for ${id}`, {
    retryable: true,
    hint: 'check the command, its cwd and the host limits (ulimit -u, free memory)',
    details: { workload: id, command },
    cause,
  });
}

export function adapterClosed(): KhutulunError {
  return new KhutulunError(ProcessErrorCodes.closed, 'the process runtime adapter is closed', {
    hint: 'create a new adapter over the same state directory; running workloads are re-attached',
  });
}
