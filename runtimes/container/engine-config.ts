/**
 * The two configurations of the one container adapter. Both speak the Docker-compatible API;
 * they differ in where the socket is and in a few quirks the adapter must respect.
 */

import { DEFAULT_SANDBOX_OPTIONS } from './sandbox.js';
import type { SandboxOptions } from './sandbox.js';

export type EngineName = 'podman' | 'docker';

export interface EngineQuirks {
  /** importImage ignores `tag` (podman compat API): tag the image afterwards. */
  importIgnoresTag: boolean;
  /** Pods through the libpod API (podman only). */
  supportsPods: boolean;
  /** Health checks run only when asked (podman runs them from systemd timers, absent here). */
  manualHealthchecks: boolean;
  /**
   * The API takes an OCI runtime per container (HostConfig.Runtime). Podman 4's does not (compat
   * and libpod create both run the service's default runtime), so a sandboxed container is created
   * through a second podman service started with `--runtime <name>` (runtimeSockets); every
   * other call goes to the main socket, which runs each container with the runtime it was made with.
   */
  runtimePerContainer: boolean;
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
  /** The OCI runtime names behind `sandbox: gvisor|kata`, and whether gVisor has a network here. */
  sandbox: SandboxOptions;
  /** OCI runtime name -> API socket of an engine service whose default runtime it is (podman). */
  runtimeSockets: Record<string, string>;
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
  sandbox?: Partial<SandboxOptions>;
  runtimeSockets?: Record<string, string>;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Sandbox runtime names: options, else KH_GVISOR_RUNTIME / KH_KATA_RUNTIME / KH_GVISOR_NETWORK=1, else defaults. */
function sandboxOptions(options: EngineConfigOptions, env: Readonly<Record<string, string | undefined>>): SandboxOptions {
  return {
    gvisor: options.sandbox?.gvisor ?? env['KH_GVISOR_RUNTIME'] ?? DEFAULT_SANDBOX_OPTIONS.gvisor,
    kata: options.sandbox?.kata ?? env['KH_KATA_RUNTIME'] ?? DEFAULT_SANDBOX_OPTIONS.kata,
    gvisorNetworkNone: options.sandbox?.gvisorNetworkNone ?? (env['KH_GVISOR_NETWORK'] === '1' ? false : DEFAULT_SANDBOX_OPTIONS.gvisorNetworkNone),
  };
}

/** `runsc=/run/podman-runsc.sock,kata=/run/podman-kata.sock` -> { runsc: ..., kata: ... }. */
export function parseRuntimeSockets(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const path = part.slice(eq + 1).trim();
    if (name && path) out[name] = path.startsWith('unix://') ? path.slice('unix://'.length) : path;
  }
  return out;
}

export function podmanConfig(options: EngineConfigOptions = {}): ContainerEngineConfig {
  const env = options.env ?? process.env;
  return {
    name: 'podman',
    socketPath: options.socketPath ?? env['KH_PODMAN_SOCKET'] ?? socketFromDockerHost(env['CONTAINER_HOST']) ?? DEFAULT_PODMAN_SOCKET,
    quirks: { importIgnoresTag: true, supportsPods: true, manualHealthchecks: true, runtimePerContainer: false },
    hostId: options.hostId ?? env['KH_HOST_ID'] ?? 'local',
    labelPrefix: 'io.khutulun',
    sandbox: sandboxOptions(options, env),
    runtimeSockets: options.runtimeSockets ?? parseRuntimeSockets(env['KH_PODMAN_RUNTIME_SOCKETS']),
    ...(options.ulimits ? { ulimits: options.ulimits } : {}),
  };
}

export function dockerConfig(options: EngineConfigOptions = {}): ContainerEngineConfig {
  const env = options.env ?? process.env;
  return {
    name: 'docker',
    socketPath: options.socketPath ?? env['KH_DOCKER_SOCKET'] ?? socketFromDockerHost(env['DOCKER_HOST']) ?? DEFAULT_DOCKER_SOCKET,
    quirks: { importIgnoresTag: false, supportsPods: false, manualHealthchecks: false, runtimePerContainer: true },
    hostId: options.hostId ?? env['KH_HOST_ID'] ?? 'local',
    labelPrefix: 'io.khutulun',
    sandbox: sandboxOptions(options, env),
    runtimeSockets: options.runtimeSockets ?? parseRuntimeSockets(env['KH_DOCKER_RUNTIME_SOCKETS']),
    ...(options.ulimits ? { ulimits: options.ulimits } : {}),
  };
}
