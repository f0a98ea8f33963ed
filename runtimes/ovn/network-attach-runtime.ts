/**
 * Gives workloads of any runtime (containers, system containers) their ports on the OVN networks
 * their spec names (`ovnNetworks`, from AttachesTo edges): after the inner runtime started the
 * workload, each network gets a port wired into the workload's network namespace; networks no
 * longer named lose it; a restarted workload (new namespace) is re-attached when its runtime
 * reports it running again; removal detaches before the workload stops. A workload whose networks
 * cannot be wired is stopped again and the error is raised, coded (never a silent success).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { EnsureOptions, ExecOptions, ExecSession, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import { unsupported } from '../workload-io.js';
import type { ObservedWorkload, WorkloadId, WorkloadSpec } from '../workload.js';
import { OvnErrorCode, ovnError } from './errors.js';
import type { OvnNetworkAdapter } from './ovn-network-adapter.js';

/**
 * The network namespace a workload's pid stands for: its own, or, for a supervisor that stays in
 * the host's namespace (systemd-nspawn), that of the first descendant that has one of its own.
 */
export function workloadNetns(pid: number): string | undefined {
  const own = statSync('/proc/self/ns/net').ino;
  const queue = [pid];
  for (let seen = 0; queue.length > 0 && seen < 64; seen++) {
    const p = queue.shift()!;
    try {
      if (statSync(`/proc/${p}/ns/net`).ino !== own) return `/proc/${p}/ns/net`;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (kids) queue.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

const networksOf = (spec: WorkloadSpec): string[] => ((spec as { ovnNetworks?: unknown }).ovnNetworks as string[] | undefined) ?? [];

export class NetworkAttachRuntime implements RuntimeAdapter {
  readonly name: string;
  readonly #inner: RuntimeAdapter;
  readonly #ovn: () => OvnNetworkAdapter | undefined;
  /** Networks per running workload (for re-attaching after a restart of the workload). */
  readonly #wanted = new Map<WorkloadId, string[]>();
  /** Why a re-attach failed, shown by observe(). */
  readonly #broken = new Map<WorkloadId, Error>();
  readonly #unsubscribe: () => void;
  readonly #nsWaitMs: number;

  constructor(inner: RuntimeAdapter, ovn: () => OvnNetworkAdapter | undefined, options: { nsWaitMs?: number } = {}) {
    this.#inner = inner;
    this.#ovn = ovn;
    this.name = inner.name;
    this.#nsWaitMs = options.nsWaitMs ?? 5_000;
    this.#unsubscribe = inner.subscribe((event) => {
      const nets = this.#wanted.get(event.workload);
      if (nets && event.observed.state === 'running' && event.observed.pid) {
        this.#attachAll(event.workload, nets, event.observed.pid).then(
          () => this.#broken.delete(event.workload),
          (error: Error) => this.#broken.set(event.workload, error),
        );
      }
    });
  }

  ready(): Promise<void> {
    return this.#inner.ready();
  }

  async #netns(id: WorkloadId, pid: number): Promise<string> {
    const deadline = Date.now() + this.#nsWaitMs;
    for (;;) {
      const ns = workloadNetns(pid);
      if (ns) return ns;
      if (Date.now() >= deadline) {
        throw ovnError(OvnErrorCode.badNamespace, `${id} has no network namespace of its own: it cannot get an OVN port`, 'give it one: a container (not network host), or a SystemContainer with network private or veth');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #attachAll(id: WorkloadId, nets: readonly string[], pid: number): Promise<Record<string, string>> {
    const ovn = this.#ovn();
    if (!ovn) throw ovnError(OvnErrorCode.unavailable, `${id} attaches to OVN networks but this host has no OVN`, 'install and start OVS + OVN on this host (docs/runtimes.md, OVN networks) or place the workload on a host that has it');
    const netns = await this.#netns(id, pid);
    const info: Record<string, string> = {};
    for (const net of nets) info[`ovn:${net}`] = (await ovn.attach(net, id, netns)).address;
    await ovn.detachWorkload(id, nets);
    return info;
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec, options?: EnsureOptions): Promise<ObservedWorkload> {
    const nets = networksOf(spec);
    const observed = await this.#inner.ensure(id, spec, options);
    if (nets.length === 0) {
      this.#wanted.delete(id);
      await this.#ovn()?.detachWorkload(id, []);
      return observed;
    }
    try {
      if (!observed.pid) throw ovnError(OvnErrorCode.badNamespace, `${id} reports no process: it cannot get an OVN port`, 'check that the workload runs');
      const info = await this.#attachAll(id, nets, observed.pid);
      this.#wanted.set(id, [...nets]);
      this.#broken.delete(id);
      return { ...observed, info: { ...observed.info, ...info } };
    } catch (error) {
      // Nothing half-made: the workload does not run without the networks it asked for.
      await this.#ovn()?.detachWorkload(id, []).catch(() => undefined);
      await this.#inner.remove(id).catch(() => undefined);
      throw error;
    }
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    const o = await this.#inner.observe(id);
    const broken = this.#broken.get(id);
    if (!o || !broken || o.state !== 'running') return o;
    const code = (broken as { code?: string }).code ?? OvnErrorCode.command;
    return { ...o, state: 'failed', cause: { code, message: `its OVN ports could not be re-attached: ${broken.message}`, retryable: true } };
  }

  async remove(id: WorkloadId, options?: RemoveOptions): Promise<void> {
    this.#wanted.delete(id);
    this.#broken.delete(id);
    await this.#ovn()?.detachWorkload(id, []);
    await this.#inner.remove(id, options);
  }

  list(): Promise<ObservedWorkload[]> {
    return this.#inner.list();
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.#inner.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.#inner.close();
  }

  logs(id: WorkloadId, options?: LogReadOptions): AsyncIterable<LogChunk> {
    if (!this.#inner.logs) throw unsupported(this.name, 'logs');
    return this.#inner.logs(id, options);
  }

  exec(id: WorkloadId, command: readonly string[], options?: ExecOptions): Promise<ExecSession> {
    if (!this.#inner.exec) return Promise.reject(unsupported(this.name, 'exec'));
    return this.#inner.exec(id, command, options);
  }
}
