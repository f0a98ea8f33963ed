/**
 * Compaction of automerge-repo's chunk store after close: all snapshot and incremental chunks of a
 * document are merged into one compressed snapshot. The new snapshot is written before any old
 * chunk is removed, and only chunks that were read are removed, so a crash or a late save never
 * loses data (loading merges whatever chunks exist).
 */
import { createHash } from 'node:crypto';
import * as A from '@automerge/automerge';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';

export async function compactStorage(baseDir: string, documentIds: Iterable<string>): Promise<void> {
  const adapter = new NodeFSStorageAdapter(baseDir);
  for (const id of documentIds) {
    const chunks = [...(await adapter.loadRange([id, 'snapshot'])), ...(await adapter.loadRange([id, 'incremental']))].filter((c) => c.data !== undefined);
    if (chunks.length <= 1) continue;
    let doc = A.init<unknown>();
    for (const c of chunks) doc = A.loadIncremental(doc, c.data!);
    const binary = A.save(doc);
    const key = [id, 'snapshot', createHash('sha256').update(binary).digest('hex')];
    await adapter.save(key, binary);
    const keep = key.join('/');
    for (const c of chunks) if (c.key.join('/') !== keep) await adapter.remove(c.key);
  }
}
