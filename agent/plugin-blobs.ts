/**
 * A shipped plugin's bytes travel as one small Automerge document per blob (its content hash,
 * name and bytes) over the same repo and sync as the deployment documents; the share policy
 * announces it only to the hosts that own a node using it (share-policy.ts). Whoever reads a blob
 * checks it against the hash its deployment recorded: bytes that differ are refused.
 */
import { createHash } from 'node:crypto';
import type { DocumentId, Repo } from '@automerge/automerge-repo';
import { parseAutomergeUrl } from '@automerge/automerge-repo';
import type { AutomergeUrl } from '@automerge/automerge-repo';
import { KhutulunError } from '../common/index.js';
import { PluginErrorCode } from '../plugins/index.js';

export interface PluginBlobDoc {
  kind: 'khutulun.plugin-blob';
  name: string;
  /** sha256 of `bytes`, hex, as the publisher computed it. */
  hash: string;
  bytes: Uint8Array;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Puts a blob into the repo as a new document; returns its URL. */
export function publishBlob(repo: Repo, name: string, bytes: Uint8Array): string {
  const handle = repo.create<PluginBlobDoc>({ kind: 'khutulun.plugin-blob', name, hash: sha256Hex(bytes), bytes });
  return handle.url;
}

export function blobDocumentId(url: string): DocumentId | undefined {
  try {
    return parseAutomergeUrl(url as AutomergeUrl).documentId;
  } catch {
    return undefined;
  }
}

/** Checks bytes against the recorded hash: a mismatch is KH-PLUGIN-TAMPERED (never retried). */
export function verifyBlob(name: string, bytes: unknown, expected: string, from: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new KhutulunError(PluginErrorCode.tampered, `plugin ${name}: the blob ${from} holds no bytes`, {
      hint: 'deploy the service again to publish the plugin anew',
      details: { plugin: name, blob: from },
    });
  }
  const actual = sha256Hex(bytes);
  if (actual !== expected) {
    throw new KhutulunError(PluginErrorCode.tampered, `plugin ${name}: the blob ${from} does not match its recorded hash (sha256 ${actual.slice(0, 16)}…, expected ${expected.slice(0, 16)}…); refused`, {
      hint: 'the bytes were changed after the deployment recorded them; deploy the service again from a trusted template',
      details: { plugin: name, blob: from, expected, actual },
    });
  }
  return bytes;
}

/**
 * Reads a blob: from local storage when this host has it (also when cut off), else from the peers
 * that announce it; waits at most `timeoutMs`. Verified against `expected` before it is returned.
 */
export async function fetchBlob(repo: Repo, url: string, name: string, expected: string, timeoutMs: number): Promise<Uint8Array> {
  if (blobDocumentId(url) === undefined) {
    throw new KhutulunError(PluginErrorCode.blob, `plugin ${name}: ${JSON.stringify(url)} is not a blob document URL`, { hint: 'deploy the service again' });
  }
  let doc: PluginBlobDoc | undefined;
  try {
    const handle = await repo.find<PluginBlobDoc>(url as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) });
    // Without peers that have it, find can settle on an unavailable handle.
    if (!handle.isReady()) throw new Error(`the blob document is ${handle.state}`);
    doc = handle.doc();
  } catch (cause) {
    throw new KhutulunError(PluginErrorCode.blob, `plugin ${name}: its blob ${url} is not on this host and no peer sent it within ${timeoutMs} ms`, {
      hint: 'the host that deployed the service (or another that has the plugin) must be reachable once; it is retried',
      retryable: true,
      cause,
      details: { plugin: name, blob: url },
    });
  }
  return verifyBlob(name, doc?.bytes, expected, url);
}
