/** Khutulun's public library entry: re-exports the typed API of each layer. */
export * as common from './common/index.js';
