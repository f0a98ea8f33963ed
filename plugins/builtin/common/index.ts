export { lifecycleHandlers } from './lifecycle.js';
export type { WorkloadKind } from './lifecycle.js';
export { connectionEnv, readArtifacts, readLimits, readPorts, readRestart, readStopTimeout } from './workload-parts.js';
