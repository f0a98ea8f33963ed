export { FsStore, MemoryStore, resolveImport, decodeUtf8, isInside, confined } from './source.js';
export type { SourceStore, Location } from './source.js';
export { openCsar, isArchiveName, parseToscaMeta } from './csar.js';
export type { CsarEntry } from './csar.js';
export { loadGraph, isLibraryDef } from './import-graph.js';
export type { LoadedFile, ImportEdge, ProfileResolver, LoadOptions } from './import-graph.js';
