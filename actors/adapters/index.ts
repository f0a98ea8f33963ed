export { MemoryActorStore } from './memory-store.js';
export { FileActorStore } from './file-store.js';
