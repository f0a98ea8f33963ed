export { LibvirtRuntimeAdapter, LIBVIRT_RUNTIME } from './libvirt-adapter.js';
export type { LibvirtAdapterOptions } from './libvirt-adapter.js';
export { UnraidLibvirtApi, DomainState } from './libvirt-api.js';
export type { LibvirtApi } from './libvirt-api.js';
export { domainName, domainXml, parseIdentity, validateVmSpec, vmSpecHash } from './domain-xml.js';
export type { DomainIdentity, DomainXmlContext } from './domain-xml.js';
export { VmErrorCode } from './errors.js';
