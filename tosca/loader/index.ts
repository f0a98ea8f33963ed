export { FsStore, MemoryStore, resolveImport, decodeUtf8 } from './source.js';
export type { SourceStore, Location } from './source.js';
export { openCsar, isArchiveName, parseToscaMeta } from './csar.js';
export type { CsarEntry } from './csar.js';
export { loadGraph } from './import-graph.js';
export type { LoadedFile, ImportEdge, ProfileResolver } from './import-graph.js';
