/**
 * Sandboxed containers: a ContainerSpec's `sandbox` (runc | gvisor | kata) names the isolation, and
 * the engine's OCI runtime that gives it. Pure mapping and checks here; the adapter supplies what
 * it observed (the engine's registered runtimes, whether /dev/kvm exists) through SandboxFacts.
 *
 * - runc (default): the engine's default runtime (runc or crun): namespaces + cgroups.
 * - gvisor: gVisor `runsc` (a user-space kernel). Registered as an engine runtime, e.g. podman
 *   containers.conf `[engine.runtimes] runsc = ["/path/to/runsc"]`, dockerd `runtimes` in
 *   daemon.json. The Debian build (2022) runs only with runsc's own `--network=none`: such hosts
 *   register a wrapper that passes it (scripts/ci/daemons.sh does), and containers then have only
 *   loopback, so a gVisor container with published ports fails with a coded error before any create.
 * - kata: Kata Containers (`kata` / `io.containerd.kata.v2`): a light VM per container, needs
 *   /dev/kvm on the engine's host.
 */
import { KhutulunError } from '../../common/index.js';
import type { ContainerSpec } from '../workload.js';
import { badSpec, ContainerErrorCode } from './errors.js';

export const SANDBOXES = ['runc', 'gvisor', 'kata'] as const;
export type SandboxKind = (typeof SANDBOXES)[number];

export interface SandboxOptions {
  /** OCI runtime name the engine knows gVisor by (default `runsc`). */
  gvisor: string;
  /** OCI runtime name the engine knows Kata by (default `kata`). */
  kata: string;
  /** The host's gVisor has no network of its own (Debian's runsc): refuse published ports/networks. */
  gvisorNetworkNone: boolean;
}

export const DEFAULT_SANDBOX_OPTIONS: SandboxOptions = { gvisor: 'runsc', kata: 'kata', gvisorNetworkNone: true };

export function isSandboxKind(value: unknown): value is SandboxKind {
  return typeof value === 'string' && (SANDBOXES as readonly string[]).includes(value);
}

/**
 * The OCI runtime to ask the engine for (undefined = the engine's default). A spec may name
 * `ociRuntime` directly or a `sandbox`; both at once must agree. Throws KH-CONT-004.
 */
export function ociRuntimeOf(spec: ContainerSpec, options: SandboxOptions = DEFAULT_SANDBOX_OPTIONS): string | undefined {
  const sandbox = spec.sandbox;
  if (sandbox === undefined) return spec.ociRuntime;
  if (!isSandboxKind(sandbox)) {
    throw badSpec(`sandbox must be one of ${SANDBOXES.join(', ')}, got ${JSON.stringify(sandbox)}`, { field: 'sandbox' });
  }
  const wanted = sandbox === 'runc' ? undefined : options[sandbox];
  if (spec.ociRuntime !== undefined && spec.ociRuntime !== wanted) {
    throw badSpec(`sandbox ${sandbox} and ociRuntime ${spec.ociRuntime} disagree: give one of them`, { field: 'ociRuntime' });
  }
  return wanted ?? spec.ociRuntime;
}

/** What the adapter learned about the engine's host before creating anything. */
export interface SandboxFacts {
  engine: string;
  /** OCI runtimes the engine has registered (undefined = the engine does not say). */
  engineRuntimes?: readonly string[];
  /** Whether /dev/kvm exists where the engine runs. */
  kvm: boolean;
  /**
   * `per-service`: the engine cannot choose a runtime per container (podman 4): only runtimes
   * served by a service of their own count, and the hint says how to start one.
   */
  route?: 'per-container' | 'per-service';
}

export function sandboxUnavailable(message: string, hint: string, details: Record<string, unknown>): KhutulunError {
  return new KhutulunError(ContainerErrorCode.sandboxUnavailable, message, { retryable: false, hint, details });
}

/**
 * Why this spec's sandbox cannot run on this engine, as a coded error (KH-CONT-010), or undefined
 * when it can. Pure: the adapter calls it before pulling or creating anything.
 */
export function checkSandbox(spec: ContainerSpec, facts: SandboxFacts, options: SandboxOptions = DEFAULT_SANDBOX_OPTIONS): KhutulunError | undefined {
  const runtime = ociRuntimeOf(spec, options);
  const sandbox: SandboxKind | undefined =
    spec.sandbox ?? (runtime === options.gvisor ? 'gvisor' : runtime === options.kata ? 'kata' : undefined);
  if (runtime === undefined) return undefined;
  const details = { engine: facts.engine, sandbox: sandbox ?? null, runtime };
  if (sandbox === 'kata' && !facts.kvm) {
    return sandboxUnavailable(
      `sandbox kata needs /dev/kvm, and the ${facts.engine} host has none`,
      'run it on a host with hardware virtualisation (KVM; nested virtualisation enabled in a VM), or use sandbox: gvisor, which needs no KVM',
      details,
    );
  }
  if (facts.engineRuntimes !== undefined && !facts.engineRuntimes.includes(runtime)) {
    const how =
      sandbox === 'kata'
        ? 'install Kata Containers (kata-runtime / containerd-shim-kata-v2) and register it as runtime "kata"'
        : sandbox === 'gvisor'
          ? 'install gVisor (`apt-get install runsc`) and register it as runtime "runsc"'
          : `register the OCI runtime "${runtime}"`;
    if (facts.route === 'per-service') {
      return sandboxUnavailable(
        `${facts.engine} has no service running OCI runtime "${runtime}"${sandbox ? ` for sandbox ${sandbox}` : ''} (its API cannot choose a runtime per container; served: ${facts.engineRuntimes.join(', ') || 'none'})`,
        `${how} in containers.conf \`[engine.runtimes]\`, start \`${facts.engine} --runtime ${runtime} system service --time=0 unix:///run/${facts.engine}-${runtime}.sock\` and set KH_PODMAN_RUNTIME_SOCKETS=${runtime}=/run/${facts.engine}-${runtime}.sock for the agent`,
        details,
      );
    }
    const where = facts.engine === 'docker' ? 'in daemon.json `runtimes`' : 'in containers.conf `[engine.runtimes]`';
    return sandboxUnavailable(
      `${facts.engine} has no OCI runtime "${runtime}"${sandbox ? ` for sandbox ${sandbox}` : ''} (it has: ${facts.engineRuntimes.join(', ') || 'none'})`,
      `${how} ${where}, restart the engine, and deploy again`,
      details,
    );
  }
  if (sandbox === 'gvisor' && options.gvisorNetworkNone && ((spec.ports?.length ?? 0) > 0 || spec.pod !== undefined || (spec.network !== undefined && spec.network !== 'none'))) {
    return sandboxUnavailable(
      'this host runs gVisor without networking (runsc --network=none): a sandboxed container cannot publish ports, join a pod or join a network here',
      'drop ports/pod/network from this container, or use a gVisor build with networking and set the adapter option gvisorNetworkNone: false',
      details,
    );
  }
  return undefined;
}

/** NetworkMode for a gVisor container on a network-less runsc: none (the engine must not wire a bridge it cannot use). */
export function sandboxNetworkMode(spec: ContainerSpec, runtime: string | undefined, options: SandboxOptions = DEFAULT_SANDBOX_OPTIONS): string | undefined {
  if (runtime !== undefined && runtime === options.gvisor && options.gvisorNetworkNone && spec.network === undefined && !spec.pod) return 'none';
  return undefined;
}
