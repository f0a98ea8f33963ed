export { runRuntimeAdapterTests } from './runtime-contract.js';
export type { RuntimeContractFixture } from './runtime-contract.js';
export { waitFor } from './wait-for.js';
export { runPluginHostTests } from './plugin-host-contract.js';
export type { PluginHostContractFixture } from './plugin-host-contract.js';
export { runNetworkAdapterTests } from './network-contract.js';
export type { NetworkContractFixture, NetworkAdapterLike } from './network-contract.js';
