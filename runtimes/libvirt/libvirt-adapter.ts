/**
 * The libvirt runtime: virtual machines defined from a VirtualMachineSpec (vCPUs, memory, direct
 * kernel boot or a disk, user/libvirt networks, a serial console to a file), started, shut down
 * (ACPI, then destroyed after the stop timeout), undefined, observed, and found again after an
 * agent restart through the identity in each domain's <description>. KVM where /dev/kvm exists,
 * TCG (`type='qemu'`) otherwise.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../../common/index.js';
import type { Clock, TimerHandle } from '../../common/index.js';
import { KhutulunError } from '../../common/index.js';
import type { EnsureOptions, LogChunk, LogReadOptions, RemoveOptions, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import { failingLogs, textChunks } from '../text-chunks.js';
import type { ObservedWorkload, VirtualMachineSpec, WorkloadId, WorkloadSpec, WorkloadState } from '../workload.js';
import { domainName, domainXml, parseIdentity, validateVmSpec, vmSpecHash } from './domain-xml.js';
import type { DomainIdentity } from './domain-xml.js';
import { VmErrorCode, vmError } from './errors.js';
import { DomainState, UnraidLibvirtApi } from './libvirt-api.js';
import type { LibvirtApi } from './libvirt-api.js';

export const LIBVIRT_RUNTIME = 'libvirt';

export interface LibvirtAdapterOptions {
  /** Console logs live here. */
  stateDir: string;
  /** Default KH_LIBVIRT_URI, else qemu:///system. */
  uri?: string;
  hostId?: string;
  api?: LibvirtApi;
  clock?: Clock;
  hasKvm?: () => boolean;
  fileExists?: (path: string) => boolean;
  /** How often subscribe() polls domain states (default 1000 ms). */
  pollIntervalMs?: number;
  /** Used when a spec has no stopTimeoutMs (default 30 s). */
  defaultStopTimeoutMs?: number;
}

function mapState(state: number, stopping: boolean): { state: WorkloadState; cause?: ObservedWorkload['cause'] } {
  switch (state) {
    case DomainState.running:
    case DomainState.blocked:
    case DomainState.paused:
    case DomainState.pmsuspended:
      return { state: 'running' };
    case DomainState.shutdown:
      return { state: 'stopping' };
    case DomainState.shutoff:
      return stopping
        ? { state: 'stopped' }
        : { state: 'exited', cause: { code: VmErrorCode.stopped, message: 'the guest powered off', retryable: true, hint: 'ensure the workload again to boot it' } };
    case DomainState.crashed:
      return { state: 'failed', cause: { code: VmErrorCode.crashed, message: 'the guest crashed', retryable: true, hint: 'read the console log (adapter.logs)' } };
    default:
      return { state: 'unknown' };
  }
}

export class LibvirtRuntimeAdapter implements RuntimeAdapter {
  readonly name = LIBVIRT_RUNTIME;
  readonly uri: string;
  readonly #api: LibvirtApi;
  readonly #hostId: string;
  readonly #stateDir: string;
  readonly #clock: Clock;
  readonly #hasKvm: () => boolean;
  readonly #exists: (path: string) => boolean;
  readonly #pollMs: number;
  readonly #defaultStopMs: number;
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  readonly #last = new Map<WorkloadId, WorkloadState>();
  readonly #stopping = new Set<string>();
  #timer: TimerHandle | undefined;
  #opened: Promise<void> | undefined;

  constructor(options: LibvirtAdapterOptions) {
    this.uri = options.uri ?? process.env['KH_LIBVIRT_URI'] ?? 'qemu:///system';
    this.#api = options.api ?? new UnraidLibvirtApi(this.uri);
    this.#hostId = options.hostId ?? process.env['KH_HOST_ID'] ?? 'local';
    this.#stateDir = options.stateDir;
    this.#clock = options.clock ?? systemClock;
    this.#hasKvm = options.hasKvm ?? (() => existsSync('/dev/kvm'));
    this.#exists = options.fileExists ?? existsSync;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#defaultStopMs = options.defaultStopTimeoutMs ?? 30_000;
  }

  async #open(): Promise<void> {
    this.#opened ??= this.#api.open().catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    return this.#opened;
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof KhutulunError) throw error;
      throw vmError(VmErrorCode.libvirt, `${what}: ${(error as Error).message}`, `libvirt (${this.uri}) refused it; its log says more`, { retryable: true, cause: error });
    }
  }

  async ready(): Promise<void> {
    await this.#open();
  }

  #type(spec: VirtualMachineSpec): 'kvm' | 'qemu' | 'test' {
    return spec.domainType ?? (this.uri.startsWith('test:') ? 'test' : this.#hasKvm() ? 'kvm' : 'qemu');
  }

  #consoleLog(name: string): string {
    return join(this.#stateDir, 'console', `${name}.log`);
  }

  async #identity(domain: unknown): Promise<DomainIdentity | undefined> {
    const identity = parseIdentity(await this.#call('read domain XML', () => this.#api.xml(domain)));
    return identity && identity.host === this.#hostId ? identity : undefined;
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec, options: EnsureOptions = {}): Promise<ObservedWorkload> {
    validateVmSpec(spec);
    for (const [field, path] of [['kernel', spec.kernel], ['initrd', spec.initrd], ['disk', spec.disk?.path]] as const) {
      if (path !== undefined && !this.#exists(path)) {
        throw vmError(VmErrorCode.fileMissing, `${field} ${path} does not exist`, 'put the file there (apt-get download linux-image-…, a built initramfs, a disk image) or fix the path', { details: { field, path } });
      }
    }
    await this.#open();
    options.signal?.throwIfAborted();
    const name = domainName(id);
    const hash = vmSpecHash(spec);
    const existing = await this.#call('lookup', () => this.#api.lookup(name));
    if (existing !== undefined) {
      const identity = await this.#identity(existing);
      if (identity?.hash === hash) {
        if ((await this.#call('state', () => this.#api.state(existing))) !== DomainState.running) await this.#call('start', () => this.#api.start(existing));
        this.#stopping.delete(name);
        return (await this.observe(id))!;
      }
      await this.#teardown(name, existing, spec.stopTimeoutMs ?? this.#defaultStopMs);
    }
    const type = this.#type(spec);
    const consoleLog = type === 'test' ? undefined : this.#consoleLog(name);
    if (consoleLog) mkdirSync(join(this.#stateDir, 'console'), { recursive: true });
    const xml = domainXml(id, spec, { identity: { workload: id, host: this.#hostId, hash }, type, ...(consoleLog ? { consoleLog } : {}) });
    const domain = await this.#call('define', () => this.#api.define(xml));
    try {
      await this.#call('start', () => this.#api.start(domain));
    } catch (error) {
      // A domain that cannot start is not left defined behind.
      await this.#api.undefine(domain).catch(() => undefined);
      throw error;
    }
    this.#stopping.delete(name);
    return (await this.observe(id))!;
  }

  /** ACPI shutdown, wait up to timeoutMs for shutoff, then destroy; then undefine. */
  async #teardown(name: string, domain: unknown, timeoutMs: number): Promise<void> {
    this.#stopping.add(name);
    const state = await this.#call('state', () => this.#api.state(domain));
    if (state !== DomainState.shutoff) {
      if (timeoutMs > 0) {
        await this.#api.shutdown(domain).catch(() => undefined); // a guest without ACPI refuses: destroy below
        // Real time, like the process runtime's stop wait: it waits on the guest, not on our clock.
        const deadline = performance.now() + timeoutMs;
        while (performance.now() < deadline && (await this.#call('state', () => this.#api.state(domain))) !== DomainState.shutoff) {
          await delay(200);
        }
      }
      if ((await this.#call('state', () => this.#api.state(domain))) !== DomainState.shutoff) await this.#call('destroy', () => this.#api.destroy(domain));
    }
    await this.#call('undefine', () => this.#api.undefine(domain));
  }

  async #observeDomain(id: WorkloadId, name: string, domain: unknown): Promise<ObservedWorkload> {
    const raw = await this.#call('state', () => this.#api.state(domain));
    const { state, cause } = mapState(raw, this.#stopping.has(name));
    const uuid = await this.#call('uuid', () => this.#api.uuid(domain));
    const consoleLog = this.#consoleLog(name);
    return {
      id,
      runtime: this.name,
      state,
      handle: uuid,
      ...(cause ? { cause } : {}),
      info: { domain: name, uri: this.uri, libvirtState: raw, ...(existsSync(consoleLog) ? { consoleLog } : {}) },
    };
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    await this.#open();
    const name = domainName(id);
    const domain = await this.#call('lookup', () => this.#api.lookup(name));
    if (domain === undefined || !(await this.#identity(domain))) return undefined;
    return this.#observeDomain(id, name, domain);
  }

  async remove(id: WorkloadId, options: RemoveOptions = {}): Promise<void> {
    await this.#open();
    const name = domainName(id);
    const domain = await this.#call('lookup', () => this.#api.lookup(name));
    if (domain === undefined || !(await this.#identity(domain))) return;
    const spec = options.timeoutMs ?? this.#defaultStopMs;
    await this.#teardown(name, domain, spec);
    this.#stopping.delete(name);
    this.#last.delete(id);
  }

  async list(): Promise<ObservedWorkload[]> {
    await this.#open();
    const out: ObservedWorkload[] = [];
    for (const domain of await this.#call('list', () => this.#api.all())) {
      const identity = await this.#identity(domain);
      if (identity) out.push(await this.#observeDomain(identity.workload, domainName(identity.workload), domain));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#schedule();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#timer?.cancel();
        this.#timer = undefined;
      }
    };
  }

  #schedule(): void {
    if (this.#timer || this.#listeners.size === 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#poll().finally(() => this.#schedule());
    }, this.#pollMs);
  }

  async #poll(): Promise<void> {
    let seen: ObservedWorkload[];
    try {
      seen = await this.list();
    } catch {
      return; // libvirt restarting: the next poll sees it again
    }
    for (const o of seen) {
      if (this.#last.get(o.id) === o.state) continue;
      this.#last.set(o.id, o.state);
      for (const l of [...this.#listeners]) l({ workload: o.id, observed: o });
    }
  }

  /** `khutulun logs` (the runtime capability): the serial console, as chunks (no follow yet). */
  logs(id: WorkloadId, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
    if (options.since !== undefined || options.follow) return failingLogs('VM console logs have no per-line times and no follow yet');
    return textChunks(this.logText(id, options.tail !== undefined ? { tail: options.tail } : {}));
  }

  /** The guest's serial console so far. */
  async logText(id: WorkloadId, options: { tail?: number } = {}): Promise<{ stdout: string; stderr: string }> {
    const path = this.#consoleLog(domainName(id));
    if (!existsSync(path)) return { stdout: '', stderr: '' };
    const text = readFileSync(path, 'utf8');
    if (options.tail === undefined) return { stdout: text, stderr: '' };
    return { stdout: text.split('\n').slice(-options.tail - 1).join('\n'), stderr: '' };
  }

  async close(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#listeners.clear();
    const opened = this.#opened;
    this.#opened = undefined;
    if (opened) await opened.then(() => this.#api.close(), () => undefined);
  }
}
