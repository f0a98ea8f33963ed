import { describe, expect, it } from 'vitest';
import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo';
import { ClosableStorage } from '../../../agent/closable-storage.js';

/** An adapter whose saves fail with the given error code (like NodeFS when the folder vanished). */
function failing(code: string): StorageAdapterInterface {
  const fail = (): Promise<never> => Promise.reject(Object.assign(new Error(`${code}: mkdir`), { code }));
  return {
    load: async () => undefined,
    save: fail,
    remove: async () => undefined,
    loadRange: async (): Promise<Chunk[]> => [],
    removeRange: async () => undefined,
  };
}

describe('ClosableStorage', () => {
  it('drops a sync-state save whose folder vanished (a deleted document), and nothing else', async () => {
    const s = new ClosableStorage(failing('ENOENT'));
    const data = new Uint8Array([1]);
    await expect(s.save(['doc1', 'sync-state', 'peer'] as StorageKey, data)).resolves.toBeUndefined();
    await expect(s.save(['doc1', 'incremental', 'abc'] as StorageKey, data)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(new ClosableStorage(failing('EACCES')).save(['doc1', 'sync-state', 'peer'] as StorageKey, data)).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('drops writes once sealed', async () => {
    const s = new ClosableStorage(failing('EIO'));
    await s.seal();
    await expect(s.save(['doc1', 'snapshot', 'x'] as StorageKey, new Uint8Array([1]))).resolves.toBeUndefined();
  });
});
