export { OvnNetworkAdapter, OVN_RUNTIME } from './ovn-network-adapter.js';
export type { OvnAdapterOptions, NetworkAttachment } from './ovn-network-adapter.js';
export { OvnErrorCode } from './errors.js';
export { validateNetworkSpec, parseCidr, pickAddress, hostRange, macFor, aclMatch, switchName, portName, vethNames } from './spec.js';
export type { NetworkSpec, NetworkAclRule, Subnet } from './spec.js';
export { endpointsFromEnv } from './ovn-cli.js';
export type { OvnEndpoints } from './ovn-cli.js';
export { NetworkAttachRuntime, workloadNetns } from './network-attach-runtime.js';
