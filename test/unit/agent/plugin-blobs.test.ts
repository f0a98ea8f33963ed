/**
 * A shipped plugin's blob on one host's own storage: it survives a restart and is read back with
 * no peer at all (a host cut off keeps the plugins it has), verified by its hash; a blob that is
 * nowhere answers a retryable KH-PLUGIN-BLOB within the timeout instead of hanging.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo } from '@automerge/automerge-repo';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchBlob, publishBlob, sha256Hex } from '../../../agent/plugin-blobs.js';

describe('plugin blobs in local storage', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('are read back after a restart with no network, and checked against their hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-blob-'));
    dirs.push(dir);
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const first = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [] });
    const url = publishBlob(first, 'acme.greeter', bytes);
    await first.flush();
    await first.shutdown();

    const again = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [] });
    try {
      const back = await fetchBlob(again, url, 'acme.greeter', sha256Hex(bytes), 5_000);
      expect(sha256Hex(back)).toBe(sha256Hex(bytes));
      await expect(fetchBlob(again, url, 'acme.greeter', sha256Hex(new Uint8Array([1])), 5_000)).rejects.toMatchObject({ code: 'KH-PLUGIN-TAMPERED' });
      const elsewhere = new Repo({ network: [] });
      const nowhere = elsewhere.create({ x: 1 }).url; // a valid URL of a document this repo never had
      await elsewhere.shutdown();
      await expect(fetchBlob(again, nowhere, 'acme.greeter', sha256Hex(bytes), 500)).rejects.toMatchObject({ code: 'KH-PLUGIN-BLOB', retryable: true });
    } finally {
      // automerge-repo's flush-everything throws on the unavailable handle the last find left.
      await again.shutdown().catch(() => undefined);
    }
  });
});
