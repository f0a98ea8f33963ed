/** Coded errors of artifact fetching. */
import { KhutulunError } from '../../common/index.js';

export const ArtifactErrorCodes = {
  badSpec: 'KH-ART-BAD-SPEC',
  notFound: 'KH-ART-NOT-FOUND',
  checksum: 'KH-ART-CHECKSUM',
  fetch: 'KH-ART-FETCH',
  http: 'KH-ART-HTTP',
  tooLarge: 'KH-ART-TOO-LARGE',
} as const;

export function artifactBadSpec(source: string, problem: string): KhutulunError {
  return new KhutulunError(ArtifactErrorCodes.badSpec, `artifact ${source}: ${problem}`, {
    hint: 'use a path inside the deployment source (or an http(s) URL), a target inside the workload directory, and a checksum of the form sha256:<64 hex>',
    details: { source, problem },
  });
}

export function artifactNotFound(source: string, path: string): KhutulunError {
  return new KhutulunError(ArtifactErrorCodes.notFound, `artifact ${source} not found at ${path}`, {
    hint: 'check the artifact path in the template or that the CSAR contains the file',
    details: { source, path },
  });
}

export function checksumMismatch(source: string, expected: string, actual: string): KhutulunError {
  return new KhutulunError(ArtifactErrorCodes.checksum, `artifact ${source} has sha256:${actual}, expected ${expected}; it was not used`, {
    hint: 'the file changed or was corrupted in transit: fix the source or update the checksum in the template',
    details: { source, expected, actual: `sha256:${actual}` },
  });
}

export function fetchFailed(source: string, cause: unknown): KhutulunError {
  return new KhutulunError(ArtifactErrorCodes.fetch, `could not download artifact ${source}`, {
    retryable: true,
    hint: 'check that the host can reach the URL; the download is retried on the next ensure',
    details: { source },
    cause,
  });
}

export function httpStatus(source: string, status: number): KhutulunError {
  return new KhutulunError(ArtifactErrorCodes.http, `downloading artifact ${source} answered HTTP ${status}`, {
    retryable: status >= 500 || status === 429,
    hint: status === 404 ? 'the URL does not exist: fix the artifact URL' : 'the server refused the download; check the URL and the server',
    details: { source, status },
  });
}

export function tooLarge(source: string, limit: number): KhutulunError {
  return new KhutulunError(ArtifactErrorCodes.tooLarge, `artifact ${source} is larger than ${limit} bytes`, {
    hint: 'raise maxBytes in the artifact fetcher options or ship a smaller file',
    details: { source, limit },
  });
}
