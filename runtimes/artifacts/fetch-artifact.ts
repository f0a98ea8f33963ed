/**
 * Brings an artifact into a workload directory: copy from the deployment source (a CSAR folder)
 * or download over http(s); verify its sha256 when given; make it executable; then rename into
 * place. The target only ever holds a verified file: a mismatch leaves the old target untouched.
 */
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactSpec } from '../workload.js';
import { parseChecksum, sha256File } from './checksum.js';
import { artifactBadSpec, artifactNotFound, checksumMismatch, fetchFailed, httpStatus, tooLarge } from './errors.js';
import { KhutulunError } from '../../common/index.js';

export interface FetchArtifactOptions {
  /** Base directory of relative sources (the CSAR / template folder). */
  sourceDir?: string;
  /** The workload directory targets resolve in. */
  workDir: string;
  /** Download size cap (default 1 GiB). */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Injected fetch (defaults to the global one). */
  fetch?: typeof fetch;
}

export interface FetchedArtifact {
  path: string;
  sha256: string;
  bytes: number;
  /** False when a verified target was already there. */
  fetched: boolean;
}

/** Distinguishes concurrent downloads of this process (pid separates processes). */
let partSeq = 0;

function inside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Counts bytes and hashes them while they stream, enforcing the size cap. */
function hashingCounter(source: string, maxBytes: number): Transform & { digest(): string; bytes: number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes) return cb(tooLarge(source, maxBytes));
      hash.update(chunk);
      cb(null, chunk);
    },
  }) as Transform & { digest(): string; bytes: number };
  t.digest = () => hash.digest('hex');
  Object.defineProperty(t, 'bytes', { get: () => bytes });
  return t;
}

export async function fetchArtifact(spec: ArtifactSpec, options: FetchArtifactOptions): Promise<FetchedArtifact> {
  const source = spec.source;
  if (typeof source !== 'string' || source === '') throw artifactBadSpec(String(source), 'source is empty');
  if (typeof spec.target !== 'string' || spec.target === '' || isAbsolute(spec.target)) throw artifactBadSpec(source, 'target must be a relative path');
  const workDir = resolve(options.workDir);
  const target = resolve(workDir, spec.target);
  if (!inside(workDir, target) || target === workDir) throw artifactBadSpec(source, `target ${spec.target} leaves the workload directory`);
  const expected = spec.checksum === undefined ? undefined : parseChecksum(source, spec.checksum);
  const maxBytes = options.maxBytes ?? 1024 ** 3;

  // Already there and verified: nothing to do (ensure is called again and again).
  if (expected !== undefined) {
    try {
      if (statSync(target).isFile() && (await sha256File(target)) === expected) {
        if (spec.executable) chmodSync(target, 0o755);
        return { path: target, sha256: expected, bytes: statSync(target).size, fetched: false };
      }
    } catch {
      // not there yet
    }
  }

  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${++partSeq}.part`;
  const counter = hashingCounter(source, maxBytes);
  try {
    if (isUrl(source)) {
      const doFetch = options.fetch ?? fetch;
      let response: Response;
      try {
        response = await doFetch(source, options.signal ? { signal: options.signal, redirect: 'follow' } : { redirect: 'follow' });
      } catch (error) {
        throw fetchFailed(source, error);
      }
      if (!response.ok || response.body === null) throw httpStatus(source, response.status);
      try {
        // The DOM and node stream typings differ; the runtime object is a web ReadableStream.
        await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), counter, createWriteStream(tmp, { mode: 0o644 }));
      } catch (error) {
        if (error instanceof KhutulunError) throw error;
        throw fetchFailed(source, error);
      }
    } else {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw artifactBadSpec(source, 'only http(s) URLs and relative paths are supported');
      const base = resolve(options.sourceDir ?? process.cwd());
      const path = resolve(base, source);
      if (!inside(base, path)) throw artifactBadSpec(source, 'relative source leaves the deployment source directory');
      let isFile = false;
      try {
        isFile = statSync(path).isFile();
      } catch {
        // reported below
      }
      if (!isFile) throw artifactNotFound(source, path);
      await pipeline(createReadStream(path), counter, createWriteStream(tmp, { mode: 0o644 }));
    }
    const actual = counter.digest();
    if (expected !== undefined && actual !== expected) throw checksumMismatch(source, `sha256:${expected}`, actual);
    if (spec.executable) chmodSync(tmp, 0o755);
    renameSync(tmp, target);
    return { path: target, sha256: actual, bytes: counter.bytes, fetched: true };
  } finally {
    rmSync(tmp, { force: true });
  }
}
