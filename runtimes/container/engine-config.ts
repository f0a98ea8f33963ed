/**
 * The two configurations of the one container adapter. Both speak the Docker-compatible API;
 * they differ in where the socket is and in a few quirks the adapter must respect.
 */

export type EngineName = 'podman' | 'docker';

export interface EngineQuirks {
  /** importImage ignores `tag` (podman compat API): tag the image afterwards. */
  importIgnoresTag: boolean;
  /** Pods through the libpod API (podman only). */
  supportsPods: boolean;
  /** Health checks run only when asked (podman runs them from systemd timers, absent here). */
  manualHealthchecks: boolean;
}

export interface ResolvedUlimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface ContainerEngineConfig {
  /** Adapter name as used in RuntimeIntent.runtime. */
  name: EngineName;
  socketPath: string;
  quirks: EngineQuirks;
  /**
   * Explicit ulimits for every container (must be at or below the host's hard limits when the
   * engine lacks CAP_SYS_RESOURCE). Absent = the engine's defaults (containers.conf).
   */
  ulimits?: ResolvedUlimit[];
  /** Host id stored in labels, so list() only re-attaches what this host started. */
  hostId: string;
  /** Label prefix; changing it makes the adapter blind to older workloads. */
  labelPrefix: string;
}

const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';
const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

function socketFromDockerHost(value: string | undefined): string | undefined {
  if (!value || !value.startsWith('unix://')) return undefined;
  return value.slice('unix://'.length);
}

export interface EngineConfigOptions {
  socketPath?: string;
  hostId?: string;
  ulimits?: ResolvedUlimit[];
  env?: Readonly<Record<string, string | undefined>>;
}

export function podmanConfig(options: EngineConfigOptions = {}): ContainerEngineConfig {
  const env = options.env ?? process.env;
  return {
    name: 'podman',
    socketPath: options.socketPath ?? env['KH_PODMAN_SOCKET'] ?? socketFromDockerHost(env['CONTAINER_HOST']) ?? DEFAULT_PODMAN_SOCKET,
    quirks: { importIgnoresTag: true, supportsPods: true, manualHealthchecks: true },
    hostId: options.hostId ?? env['KH_HOST_ID'] ?? 'local',
    labelPrefix: 'io.khutulun',
    ...(options.ulimits ? { ulimits: options.ulimits } : {}),
  };
}

export function dockerConfig(options: EngineConfigOptions = {}): ContainerEngineConfig {
  const env = options.env ?? process.env;
  return {
    name: 'docker',
    socketPath: options.socketPath ?? env['KH_DOCKER_SOCKET'] ?? socketFromDockerHost(env['DOCKER_HOST']) ?? DEFAULT_DOCKER_SOCKET,
    quirks: { importIgnoresTag: false, supportsPods: false, manualHealthchecks: false },
    hostId: options.hostId ?? env['KH_HOST_ID'] ?? 'local',
    labelPrefix: 'io.khutulun',
    ...(options.ulimits ? { ulimits: options.ulimits } : {}),
  };
}
