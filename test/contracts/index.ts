export { runRuntimeAdapterTests } from './runtime-contract.js';
export type { RuntimeContractFixture } from './runtime-contract.js';
export { waitFor } from './wait-for.js';
