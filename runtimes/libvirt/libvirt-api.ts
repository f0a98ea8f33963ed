/**
 * The seam between the VM adapter and libvirt: a handful of calls over opaque domain handles.
 * UnraidLibvirtApi is the real one (npm @unraid/libvirt, an N-API binding, an optional dependency:
 * its absence is KH-VM-UNAVAILABLE, never a crash at import time).
 */
import { VmErrorCode, vmError } from './errors.js';

/** libvirt's virDomainState. */
export const DomainState = { nostate: 0, running: 1, blocked: 2, paused: 3, shutdown: 4, shutoff: 5, crashed: 6, pmsuspended: 7 } as const;

export interface LibvirtApi {
  open(): Promise<void>;
  close(): Promise<void>;
  /** undefined when no domain has this name. */
  lookup(name: string): Promise<unknown>;
  define(xml: string): Promise<unknown>;
  start(domain: unknown): Promise<void>;
  shutdown(domain: unknown): Promise<void>;
  destroy(domain: unknown): Promise<void>;
  undefine(domain: unknown): Promise<void>;
  state(domain: unknown): Promise<number>;
  xml(domain: unknown): Promise<string>;
  uuid(domain: unknown): Promise<string>;
  all(): Promise<unknown[]>;
}

interface UnraidHypervisor {
  connectOpen(): Promise<void>;
  connectClose(): Promise<void>;
  connectListAllDomains(): Promise<unknown[]>;
  domainLookupByName(name: string): Promise<unknown>;
  domainDefineXML(xml: string): Promise<unknown>;
  domainCreate(d: unknown): Promise<void>;
  domainShutdown(d: unknown): Promise<void>;
  domainDestroy(d: unknown): Promise<void>;
  domainUndefine(d: unknown): Promise<void>;
  domainGetInfo(d: unknown): Promise<{ state: number }>;
  domainGetXMLDesc(d: unknown): Promise<string>;
  domainGetUUIDString(d: unknown): Promise<string>;
}

const NOT_FOUND = /not found|no domain with matching/i;

export class UnraidLibvirtApi implements LibvirtApi {
  readonly #uri: string;
  #hv: UnraidHypervisor | undefined;

  constructor(uri: string) {
    this.#uri = uri;
  }

  async open(): Promise<void> {
    if (this.#hv) return;
    let mod: { Hypervisor: new (o: { uri: string }) => UnraidHypervisor };
    try {
      // A variable specifier: the binding is optional, so it must not be a static dependency.
      const name = '@unraid/libvirt';
      mod = (await import(name)) as typeof mod;
    } catch (error) {
      throw vmError(VmErrorCode.unavailable, 'the libvirt binding (npm @unraid/libvirt) is not installed or did not build', 'install libvirt-dev and build-essential, then `npm install @unraid/libvirt` (it builds from source with node-gyp)', { cause: error });
    }
    const hv = new mod.Hypervisor({ uri: this.#uri });
    try {
      await hv.connectOpen();
    } catch (error) {
      throw vmError(VmErrorCode.unavailable, `libvirt at ${this.#uri} does not answer: ${(error as Error).message}`, 'start libvirtd (and virtlogd), or point the adapter at another URI', { retryable: true, cause: error });
    }
    this.#hv = hv;
  }

  #need(): UnraidHypervisor {
    if (!this.#hv) throw vmError(VmErrorCode.unavailable, 'the libvirt connection is not open', 'call ready() first', { retryable: true });
    return this.#hv;
  }

  async close(): Promise<void> {
    const hv = this.#hv;
    this.#hv = undefined;
    await hv?.connectClose();
  }

  async lookup(name: string): Promise<unknown> {
    try {
      return await this.#need().domainLookupByName(name);
    } catch (error) {
      if (NOT_FOUND.test(String((error as Error).message))) return undefined;
      throw error;
    }
  }

  define(xml: string): Promise<unknown> {
    return this.#need().domainDefineXML(xml);
  }
  start(d: unknown): Promise<void> {
    return this.#need().domainCreate(d);
  }
  shutdown(d: unknown): Promise<void> {
    return this.#need().domainShutdown(d);
  }
  destroy(d: unknown): Promise<void> {
    return this.#need().domainDestroy(d);
  }
  undefine(d: unknown): Promise<void> {
    return this.#need().domainUndefine(d);
  }
  async state(d: unknown): Promise<number> {
    return (await this.#need().domainGetInfo(d)).state;
  }
  xml(d: unknown): Promise<string> {
    return this.#need().domainGetXMLDesc(d);
  }
  uuid(d: unknown): Promise<string> {
    return this.#need().domainGetUUIDString(d);
  }
  all(): Promise<unknown[]> {
    return this.#need().connectListAllDomains();
  }
}
