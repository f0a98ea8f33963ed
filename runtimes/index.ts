export type * from './workload.js';
export type * from './runtime-adapter.js';
export * from './process/index.js';
export * from './artifacts/index.js';
export * from './container/index.js';
export * from './ports/index.js';
export * from './firewall/index.js';
export * from './nspawn/index.js';
export * from './libvirt/index.js';
