export { lifecycleHandlers } from './lifecycle.js';
export type { WorkloadKind } from './lifecycle.js';
export { attachedNetworks, connectionEnv, readArtifacts, readLimits, readPorts, readRestart, readStopTimeout } from './workload-parts.js';
