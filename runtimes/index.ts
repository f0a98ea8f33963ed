export type * from './workload.js';
export type * from './runtime-adapter.js';
export { WorkloadIoErrors, ChunkChannel, collectLogs, collectExec, parseSince, noWorkload, unsupported } from './workload-io.js';
export * from './process/index.js';
export * from './artifacts/index.js';
export * from './container/index.js';
export * from './ports/index.js';
export * from './firewall/index.js';
