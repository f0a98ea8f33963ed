/**
 * The seam between the adapter and the engine: the few Docker-API calls we use, with our own plain
 * types. The real implementation wraps dockerode (dockerode-api.ts); unit tests use an in-memory fake.
 */

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface CreateContainerBody {
  name: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
  StopTimeout?: number;
  HostConfig: {
    Binds?: string[];
    PortBindings?: Record<string, PortBinding[]>;
    Memory?: number;
    NanoCpus?: number;
    PidsLimit?: number;
    RestartPolicy?: { Name: 'no' | 'on-failure' | 'always'; MaximumRetryCount?: number };
    NetworkMode?: string;
    Runtime?: string;
    Ulimits?: { Name: string; Soft: number; Hard: number }[];
  };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Labels?: Record<string, string> | null; Image?: string; StopTimeout?: number };
  HostConfig?: { Runtime?: string; NetworkMode?: string };
  State: {
    Status: string;
    Running?: boolean;
    ExitCode?: number;
    Pid?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Error?: string;
    OOMKilled?: boolean;
    Health?: { Status?: string } | null;
  };
  RestartCount?: number;
  NetworkSettings?: {
    IPAddress?: string;
    Ports?: Record<string, PortBinding[] | null> | null;
  };
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string> | null;
  State?: string;
}

export interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LogOptions {
  /** Last N lines only. */
  tail?: number;
}

/** A streamed log (`logStream`): optionally followed, from a time on (seconds since the epoch). */
export interface LogStreamOptions extends LogOptions {
  follow?: boolean;
  sinceSeconds?: number;
}

export interface PodInfo {
  id: string;
  name: string;
  infraId?: string;
}

export interface EngineRuntimes {
  /** The runtime a container gets when it names none. */
  default?: string;
  /**
   * Registered runtimes: name -> binary path when the engine says one. Podman lists its built-in
   * table even for binaries that are not installed, so callers check the paths too.
   */
  available: Record<string, string | undefined>;
}

export interface DockerApiLike {
  ping(): Promise<void>;
  /** The engine's OCI runtimes (`/info`); undefined if it does not say. */
  runtimes?(): Promise<EngineRuntimes | undefined>;
  imageExists(ref: string): Promise<boolean>;
  pullImage(ref: string): Promise<void>;
  /** Imports a root-fs tarball as `repo:latest` (engines may ignore any other tag). */
  importImage(tarPath: string, repo: string, tag: string): Promise<void>;
  loadImage(tarPath: string): Promise<void>;
  buildImage(contextDir: string, ref: string): Promise<void>;
  tagImage(source: string, repo: string, tag: string): Promise<void>;
  /** `pod` set: create the container as a member of that (podman) pod. */
  createContainer(body: CreateContainerBody, options?: { pod?: string }): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** undefined when there is no such container. */
  inspectContainer(idOrName: string): Promise<ContainerInspect | undefined>;
  /** Containers (running or not) carrying every `key=value` label given. */
  listContainers(labels: string[]): Promise<ContainerSummary[]>;
  logs(id: string, options: LogOptions): Promise<{ stdout: string; stderr: string }>;
  exec(id: string, command: string[], options?: { tty?: boolean }): Promise<ExecResult>;
  /** Starts a command; its raw output stream (multiplexed unless TTY) ends when it does, then `exitCode()` tells how. */
  execStream?(id: string, command: string[], options?: { tty?: boolean }): Promise<{ stream: NodeJS.ReadableStream; exitCode: () => Promise<number> }>;
  /** The raw (multiplexed unless TTY) log stream; ends when the container stops (follow) or at once. */
  logStream?(id: string, options: LogStreamOptions): Promise<NodeJS.ReadableStream>;
  /** Streams container events; returns a function that ends the stream. */
  events(onEvent: (event: EngineEvent) => void, onEnd: (error?: unknown) => void): Promise<() => void>;
  /** Podman only (libpod API). */
  createPod?(name: string, labels: Record<string, string>, ports: CreateContainerBody['HostConfig']['PortBindings']): Promise<PodInfo>;
  inspectPod?(name: string): Promise<PodInfo | undefined>;
  removePod?(name: string): Promise<void>;
  /** Runs the container's health check once; returns the resulting status (podman only). */
  runHealthcheck?(id: string): Promise<string>;
}
