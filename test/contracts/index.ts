export { runRuntimeAdapterTests } from './runtime-contract.js';
export type { RuntimeContractFixture } from './runtime-contract.js';
export { waitFor } from './wait-for.js';
export { runPluginHostTests } from './plugin-host-contract.js';
export type { PluginHostContractFixture } from './plugin-host-contract.js';
