export { NspawnRuntimeAdapter, NSPAWN_RUNTIME, machineLeader } from './nspawn-adapter.js';
export type { NspawnAdapterOptions, ExecResult as NspawnExecResult } from './nspawn-adapter.js';
export { validateSystemContainerSpec, machineName, nspawnArgs } from './spec.js';
export type { SystemContainerSpec, NspawnContext } from './spec.js';
export { NspawnErrorCode } from './errors.js';
export { checkOsTree, confinedPath, prepareRoot } from './rootfs.js';
