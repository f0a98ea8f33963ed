/**
 * Coded errors of the container runtime. Codes are stable API: callers branch on them, never on
 * messages. Engine (Docker API) failures are classified here so every caller sees the same codes.
 */
import { KhutulunError } from '../../common/index.js';

export const ContainerErrorCode = {
  /** The engine's socket is missing or refuses connections (retryable: it may be starting). */
  daemonUnavailable: 'KH-CONT-001',
  /** The image is not present and could not be pulled, imported, loaded or built. */
  imageMissing: 'KH-CONT-002',
  /** A published host port is already in use. */
  portTaken: 'KH-CONT-003',
  /** The workload spec is invalid for a container runtime. */
  badSpec: 'KH-CONT-004',
  /** The engine answered with an error we do not classify further. */
  engine: 'KH-CONT-005',
  /** The named workload does not exist on this engine. */
  notFound: 'KH-CONT-006',
  /** exec/logs/health failed inside the container. */
  execFailed: 'KH-CONT-007',
  /** The sandbox (gvisor/kata OCI runtime, /dev/kvm) this container asks for is not on this host. */
  sandboxUnavailable: 'KH-CONT-010',
} as const;

export function badSpec(message: string, details?: Record<string, unknown>): KhutulunError {
  return new KhutulunError(ContainerErrorCode.badSpec, message, {
    hint: 'fix the container spec (see runtimes/workload.ts ContainerSpec) and deploy again',
    ...(details ? { details } : {}),
  });
}

export function daemonUnavailable(engine: string, socketPath: string, cause: unknown): KhutulunError {
  const start =
    engine === 'podman'
      ? `start it with \`podman system service --time=0 unix://${socketPath}\` (or scripts/ci/daemons.sh start)`
      : `start the Docker engine (dockerd) or point DOCKER_HOST at a running one`;
  return new KhutulunError(ContainerErrorCode.daemonUnavailable, `${engine} API socket ${socketPath} is not answering`, {
    retryable: true,
    hint: start,
    details: { engine, socketPath },
    cause,
  });
}

export function imageMissing(image: string, cause?: unknown): KhutulunError {
  return new KhutulunError(ContainerErrorCode.imageMissing, `image ${image} is not available`, {
    hint: 'give imageSource.importTar / loadTar / buildContext, or make the registry reachable and set imageSource.pull',
    details: { image },
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function portTaken(port: number | string, cause?: unknown): KhutulunError {
  return new KhutulunError(ContainerErrorCode.portTaken, `host port ${port} is already in use`, {
    retryable: true,
    hint: 'reserve another host port (runtimes/ports) or stop whatever listens on it',
    details: { port },
    ...(cause !== undefined ? { cause } : {}),
  });
}

interface EngineErrorShape {
  code?: unknown;
  statusCode?: unknown;
  json?: unknown;
  reason?: unknown;
  message?: unknown;
}

/** The engine's own message, wherever dockerode put it. */
export function engineMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as EngineErrorShape;
  const json = e.json as { message?: unknown; cause?: unknown } | undefined;
  if (json && typeof json.message === 'string') return json.message;
  if (typeof e.message === 'string') return e.message;
  return String(error);
}

export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const s = (error as EngineErrorShape).statusCode;
  return typeof s === 'number' ? s : undefined;
}

const SOCKET_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES']);

export function isSocketError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as EngineErrorShape).code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

export function isPortInUse(error: unknown): boolean {
  return /address already in use|port is already allocated|bind: address/i.test(engineMessage(error));
}

/** Turns whatever the engine threw into a coded KhutulunError. */
export function classifyEngineError(
  error: unknown,
  context: { engine: string; socketPath: string; what: string; image?: string; port?: number | string },
): KhutulunError {
  if (error instanceof KhutulunError) return error;
  if (isSocketError(error)) return daemonUnavailable(context.engine, context.socketPath, error);
  if (isPortInUse(error)) return portTaken(context.port ?? 'unknown', error);
  const status = statusCodeOf(error);
  const message = engineMessage(error);
  if (status === 404 && context.image !== undefined && /image|no such/i.test(message)) {
    return imageMissing(context.image, error);
  }
  if (status === 404) {
    return new KhutulunError(ContainerErrorCode.notFound, `${context.what}: ${message}`, {
      hint: 'the container was removed outside Khutulun; ensure the workload again',
      cause: error,
    });
  }
  return new KhutulunError(ContainerErrorCode.engine, `${context.what} failed: ${message}`, {
    // 5xx may be transient (engine busy, lock contention); 4xx is our request.
    retryable: status === undefined || status >= 500,
    hint: `check the ${context.engine} service log; the engine said: ${message}`,
    details: { status: status ?? null },
    cause: error,
  });
}
