/**
 * The contract between the built-in Wasm plugins (which decide WHAT should run) and the runtime
 * adapters (which make it so). A plugin returns a RuntimeIntent as plain JSON; the actor hands it to
 * the adapter named by `runtime`. Specs are plain data so they cross worker threads and Wasm.
 */
import type { ErrorData } from '../common/index.js';

/** Stable workload id, unique per host: `<deployment>/<vertex>` (plus `#<n>` for replicas). */
export type WorkloadId = string;

export type RestartPolicy = 'never' | 'on-failure' | 'always';

export interface ResourceLimits {
  /** Bytes. */
  memory?: number;
  /** CPU cores (0.5 = half a core). */
  cpus?: number;
  pids?: number;
}

export interface PortSpec {
  /** Logical name, e.g. `http`. */
  name: string;
  protocol: 'tcp' | 'udp';
  /** Port inside the workload (containers); for processes the same as hostPort. */
  containerPort?: number;
  /** Reserved host port (filled by the port allocator when 0/absent). */
  hostPort?: number;
  /** firewalld zone to open while running; absent = not guarded. */
  firewallZone?: string;
}

export interface ArtifactSpec {
  /** Where to get it: a path (relative to the deployment's source) or an http(s) URL. */
  source: string;
  /** Where it lands, relative to the workload directory. */
  target: string;
  /** `sha256:<hex>` — verified before use when given. */
  checksum?: string;
  executable?: boolean;
}

export interface HealthCheck {
  command?: string[];
  httpGet?: { port: number; path: string };
  tcpPort?: number;
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
}

export interface ProcessSpec {
  kind: 'process';
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  user?: string;
  restart?: RestartPolicy;
  stopTimeoutMs?: number;
  limits?: ResourceLimits;
  ports?: PortSpec[];
  artifacts?: ArtifactSpec[];
  health?: HealthCheck;
}

export interface MountSpec {
  source: string;
  target: string;
  readOnly?: boolean;
  /** `bind` (host path) or `volume` (named volume). */
  type?: 'bind' | 'volume';
}

export interface ContainerSpec {
  kind: 'container';
  image: string;
  /** How to get the image when absent: pull (registry), or a local tarball to import/load. */
  imageSource?: { pull?: boolean; importTar?: string; loadTar?: string; buildContext?: string };
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  user?: string;
  mounts?: MountSpec[];
  ports?: PortSpec[];
  limits?: ResourceLimits;
  restart?: RestartPolicy;
  stopTimeoutMs?: number;
  health?: HealthCheck;
  network?: string;
  /** Podman pod to join (containers in one pod share a network namespace). */
  pod?: string;
  /** OCI runtime by name, e.g. `runsc` or `kata` (prefer `sandbox`). */
  ociRuntime?: string;
  /**
   * Isolation: `runc` (default: the engine's runtime), `gvisor` (runsc, a user-space kernel) or
   * `kata` (a light VM per container; needs /dev/kvm). See runtimes/container/sandbox.ts.
   */
  sandbox?: 'runc' | 'gvisor' | 'kata';
  labels?: Record<string, string>;
  /** OVN networks (their workload ids) to give the container a port on (runtimes/ovn). */
  ovnNetworks?: string[];
}

/** A system container run by systemd-nspawn (runtimes/nspawn). */
export interface SystemContainerSpec {
  kind: 'system-container';
  /** A directory tree used in place (persistent; one running machine per tree). Relative = to the deployment's source. */
  directory?: string;
  /** An image tarball (podman export, debootstrap | tar, …) unpacked into a root of this workload's own. */
  imageTar?: string;
  /** Boot the tree's init (systemd, or busybox init) instead of running `command`. */
  boot?: boolean;
  /** Single-command mode: the program and its arguments (required unless boot). */
  command?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  user?: string;
  /** Bind mounts (host path -> path inside). */
  mounts?: MountSpec[];
  /** `host` (default, like nspawn's own default), `private` (loopback only) or `veth` (a veth pair to the host). */
  network?: 'host' | 'private' | 'veth';
  /** Host ports the machine serves (network host): checked free before start, guarded like a process's. */
  ports?: PortSpec[];
  limits?: ResourceLimits;
  restart?: RestartPolicy;
  stopTimeoutMs?: number;
  /** Signal nspawn sends the machine's PID 1 on stop (default: SIGRTMIN+3 when booting systemd, SIGKILL otherwise). */
  killSignal?: string;
  readOnly?: boolean;
  /** OVN networks (their workload ids) to give the machine a port on (needs network private or veth). */
  ovnNetworks?: string[];
}

/** A virtual machine run by libvirt (runtimes/libvirt). */
export interface VirtualMachineSpec {
  kind: 'vm';
  vcpus: number;
  /** Bytes. */
  memory: number;
  /** Direct kernel boot: kernel image, optional initrd and command line (host paths). */
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  /** A disk image (host path) attached as virtio vda. */
  disk?: { path: string; format?: 'raw' | 'qcow2'; readOnly?: boolean };
  /** `user` (QEMU user networking) or a libvirt network by name. Absent = no network. */
  networks?: { type: 'user' | 'network'; source?: string }[];
  /** `kvm`, `qemu` (TCG) or `test` (the test driver); default: kvm when /dev/kvm exists, else qemu. */
  domainType?: 'kvm' | 'qemu' | 'test';
  /** How long a stop waits for the guest to power off after ACPI before destroying it. */
  stopTimeoutMs?: number;
}

/** A file a script operation needs (its primary and its dependencies), carried in the desired state. */
export interface ScriptFile {
  /** Path relative to the script's work folder (as written in the template, e.g. `scripts/install.sh`). */
  path: string;
  /** The content, base64. */
  content: string;
  /** `sha256:<hex>` of the content: checked before the script runs. */
  sha256: string;
}

/**
 * A one-shot script run for a TOSCA operation implemented by a script artifact (runtimes/script):
 * on the host, or inside the workload `inside` names when the node lives in one.
 */
export interface ScriptSpec {
  kind: 'script';
  /** The operation (event) it implements, e.g. `Standard.create`. */
  operation: string;
  /** The program that runs `primary`: sh, bash, python3 or ansible-playbook. */
  interpreter: 'sh' | 'bash' | 'python3' | 'ansible-playbook';
  /** Path (one of `files`) of the script to run. */
  primary: string;
  files: ScriptFile[];
  /** Operation inputs as environment variables. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Output name -> attribute of the node it is written to (the operation's `outputs` mapping). */
  outputs?: Record<string, string>;
  /** Run inside this workload (container, system container) instead of on the host. */
  inside?: { runtime: string; workload: WorkloadId };
}

/** One ACL rule; the list's order is its priority (the first rule wins). */
export interface NetworkAclRule {
  action: 'allow' | 'reject' | 'drop';
  /** `ip` = every IPv4 packet (a default rule). */
  protocol: 'tcp' | 'udp' | 'icmp' | 'ip';
  /** Destination port (tcp/udp); absent = every port. */
  port?: number;
}

/** A logical switch for a deployment's workloads (runtime `ovn`, runtimes/ovn). */
export interface NetworkSpec {
  kind: 'network';
  /** IPv4 subnet, e.g. `10.77.0.0/24`; workloads get addresses from .2 up (.1 stays for a router). */
  cidr: string;
  /** Traffic rules towards the attached workloads, in priority order; absent = everything allowed. */
  acls?: NetworkAclRule[];
}

/** A Distrobox box on rootless Podman, owned by an unprivileged user (runtimes/distrobox). */
export interface PristineContainerSpec {
  kind: 'pristine-container';
  /** A local image in the user's rootless store (e.g. localhost/debian:bookworm). */
  image: string;
  /** The unprivileged user that owns the box (Distrobox refuses root). */
  user?: string;
  /** Extra packages distrobox-init installs on the first enter (`--additional-packages`). */
  packages?: string[];
  /** How long the first enter (distrobox-init: package installs inside) may take (default 10 min). */
  initTimeoutMs?: number;
}

export type WorkloadSpec = ProcessSpec | ContainerSpec | SystemContainerSpec | VirtualMachineSpec | ScriptSpec | NetworkSpec | PristineContainerSpec | { kind: string; [key: string]: unknown };

export type WorkloadState = 'pending' | 'starting' | 'running' | 'stopping' | 'stopped' | 'exited' | 'failed' | 'unknown';

export interface ObservedWorkload {
  id: WorkloadId;
  runtime: string;
  state: WorkloadState;
  /** Runtime-native handle: pid, container id, domain uuid… */
  handle?: string;
  pid?: number;
  exitCode?: number;
  signal?: string;
  /** Why it is not running (coded). */
  cause?: ErrorData;
  startedAt?: number;
  restarts?: number;
  ports?: PortSpec[];
  /** Anything else worth showing (IP address, log file paths…). */
  info?: Record<string, string | number | boolean>;
}

/** What a plugin asks a runtime to do. */
export interface RuntimeIntent {
  /** `exec`: a one-shot script run (spec: ScriptSpec) by the `script` runtime. */
  action: 'ensure' | 'remove' | 'observe' | 'exec';
  /** Adapter name: `process`, `podman`, `docker`, `noop`, … */
  runtime: string;
  workload: WorkloadId;
  spec?: WorkloadSpec;
}
