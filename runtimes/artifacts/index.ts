export { fetchArtifact } from './fetch-artifact.js';
export type { FetchArtifactOptions, FetchedArtifact } from './fetch-artifact.js';
export { parseChecksum, sha256File } from './checksum.js';
export { ArtifactErrorCodes } from './errors.js';
