export { MemoryActorStore } from './memory-store.js';
export { FileActorStore } from './file-store.js';
export { FloriaActorStore } from './floria-store.js';
export type { FloriaActorStoreOptions } from './floria-store.js';
