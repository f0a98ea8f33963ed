/**
 * Ports for workloads on this host, around any runtime adapter: before a workload starts, each of
 * its ports is reserved (a fixed port is checked free, a port of 0 or none gets a free one from the
 * host's range), recorded in the host's port ledger, passed to processes as PORT / PORT_<NAME>,
 * opened in firewalld when the port names a zone (processes; the container adapter guards its own),
 * and reported through `onBound` so the owner writes the endpoint attributes. Removing the workload
 * closes the firewall rule and releases the reservation.
 */
import { connect } from 'node:net';
import { KhutulunError } from '../common/index.js';
import type { ObservedWorkload, PortSpec, WorkloadId, WorkloadSpec } from '../runtimes/workload.js';
import type { EnsureOptions, ExecOptions, ExecSession, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtimes/runtime-adapter.js';
import { unsupported } from '../runtimes/workload-io.js';
import type { PortManager, FirewallGuard } from '../runtimes/index.js';

export interface PortBindingOptions {
  readonly ports: PortManager;
  /** firewalld guard for processes' zoned ports; absent = a zoned port fails with a clear error. */
  readonly firewall?: () => Promise<FirewallGuard>;
  /** Called with the bound ports once the workload runs. */
  readonly onBound?: (workload: WorkloadId, ports: readonly PortSpec[]) => Promise<void>;
  /** How long ensure waits for the first TCP port to accept on 127.0.0.1 (default 5000 ms). */
  readonly readyTimeoutMs?: number;
  /** Completes the spec right before it starts (ConnectsTo env from the store: connection-env.ts). */
  readonly prepare?: (workload: WorkloadId, spec: WorkloadSpec) => Promise<WorkloadSpec>;
  /** Where relative artifact sources of a workload resolve (its deployment's source folder). */
  readonly sourceDir?: (workload: WorkloadId) => string | undefined;
}

const envName = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

export class PortBindingRuntime implements RuntimeAdapter {
  readonly name: string;
  readonly #inner: RuntimeAdapter;
  readonly #o: PortBindingOptions;
  /** Ports opened in firewalld per workload (to close them on remove). */
  readonly #opened = new Map<WorkloadId, PortSpec[]>();

  constructor(inner: RuntimeAdapter, options: PortBindingOptions) {
    this.#inner = inner;
    this.#o = options;
    this.name = inner.name;
  }

  ready(): Promise<void> {
    return this.#inner.ready();
  }

  async ensure(id: WorkloadId, given: WorkloadSpec, givenOptions?: EnsureOptions): Promise<ObservedWorkload> {
    const spec = this.#o.prepare ? await this.#o.prepare(id, given) : given;
    const sourceDir = givenOptions?.sourceDir ?? this.#o.sourceDir?.(id);
    const options: EnsureOptions | undefined = sourceDir !== undefined ? { ...givenOptions, sourceDir } : givenOptions;
    const ports = (spec as { ports?: PortSpec[] }).ports;
    if (!ports || ports.length === 0) return this.#inner.ensure(id, spec, options);
    // A system container on the host network serves host ports exactly like a process.
    const isProcess = spec.kind === 'process' || spec.kind === 'system-container';
    const current = await this.#inner.observe(id).catch(() => undefined);
    let bound: PortSpec[];
    if (current && (current.state === 'running' || current.state === 'starting') && current.ports?.length) {
      // Already running (or re-attached after a restart): keep the ports it holds.
      bound = ports.map((p) => ({ ...p, hostPort: current.ports!.find((c) => c.name === p.name)?.hostPort ?? p.hostPort }));
    } else {
      const wanted = ports.map((p) => ({ ...p, ...(p.hostPort ? {} : isProcess && p.containerPort ? { hostPort: p.containerPort } : {}) }));
      bound = await this.#o.ports.reserveAll(id, wanted);
    }
    if (isProcess) bound = bound.map((p) => ({ ...p, containerPort: p.hostPort! }));
    const env: Record<string, string> = { ...((spec as { env?: Record<string, string> }).env ?? {}) };
    if (isProcess) {
      env['PORT'] ??= String(bound[0]!.hostPort);
      for (const p of bound) env[`PORT_${envName(p.name)}`] = String(p.hostPort);
    }
    // Every runtime's reserved host ports are guarded alike (containers publish theirs on the host port reserved here).
    const zoned = bound.filter((p) => p.firewallZone && p.hostPort);
    if (zoned.length > 0 && !this.#o.firewall) {
      await this.#o.ports.release(id);
      throw new KhutulunError('KH-FW-001', `workload ${id} asks for a firewall zone but this host has no firewalld configured`, {
        hint: 'start firewalld (and point DBUS_SYSTEM_BUS_ADDRESS at its bus) or drop firewall_zone from the port',
      });
    }
    const observed = await this.#inner.ensure(id, { ...spec, ports: bound, ...(isProcess ? { env } : {}) } as WorkloadSpec, options);
    if (zoned.length > 0) {
      try {
        await (await this.#o.firewall!()).open(zoned);
      } catch (error) {
        // A port that cannot be guarded must not serve unguarded: take the workload down again.
        await this.#inner.remove(id).catch(() => undefined);
        await this.#o.ports.release(id).catch(() => undefined);
        throw error;
      }
      this.#opened.set(id, zoned);
    }
    // Started means serving: wait (bounded) until the first TCP port accepts on loopback, so a
    // printed URL answers. A workload that never listens is still reported; its URL just fails.
    const tcp = bound.find((p) => p.protocol === 'tcp' && p.hostPort);
    if (tcp && observed.state === 'running') await waitListening(tcp.hostPort!, this.#o.readyTimeoutMs ?? 5000);
    await this.#o.onBound?.(id, bound);
    return { ...observed, ports: bound };
  }

  observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    return this.#inner.observe(id);
  }

  async remove(id: WorkloadId, options?: RemoveOptions): Promise<void> {
    await this.#inner.remove(id, options);
    const opened = this.#opened.get(id);
    if (opened && this.#o.firewall) await (await this.#o.firewall()).close(opened);
    this.#opened.delete(id);
    await this.#o.ports.release(id);
  }

  list(): Promise<ObservedWorkload[]> {
    return this.#inner.list();
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.#inner.subscribe(listener);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  logs(id: WorkloadId, options?: LogReadOptions): AsyncIterable<LogChunk> {
    if (!this.#inner.logs) throw unsupported(this.#inner.name, 'logs');
    return this.#inner.logs(id, options);
  }

  exec(id: WorkloadId, command: readonly string[], options?: ExecOptions): Promise<ExecSession> {
    if (!this.#inner.exec) return Promise.reject(unsupported(this.#inner.name, 'exec'));
    return this.#inner.exec(id, command, options);
  }
}

/** Polls 127.0.0.1:port until a connection is accepted or the deadline passes (bounded). */
async function waitListening(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (v: boolean): void => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => {
        // Close politely: half-close and read whatever the server says first. Destroying at once
        // makes the kernel answer the server's greeting with a reset, and a server without an
        // error handler on its sockets crashes (and gets restarted) because we looked at it.
        socket.setTimeout(0);
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        socket.resume();
        socket.end();
        setTimeout(() => socket.destroy(), 2000).unref();
        resolve(true);
      });
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
