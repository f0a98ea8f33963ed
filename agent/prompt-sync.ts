/**
 * Pushes a local change to the peers already syncing its document right away. automerge-repo's
 * DocSynchronizer sends at most one sync round per document per 100 ms (a fixed trailing
 * throttle), so a status written just after another one waited up to 100 ms before leaving the
 * host — and a dependency wave across hosts paid that at every hop (measured: ~90 ms per hop).
 * `beginSync` (public on the CollectionSynchronizer's doc synchronizers) sends a sync message at
 * once; only peers that already sync the document get it, so the share policy still decides who
 * receives a document. At most one push per document per `minIntervalMs`: the library's throttle
 * still carries bursts.
 */
import type { DocHandle, DocumentId, Repo } from '@automerge/automerge-repo';

export function promptSync(repo: Repo, minIntervalMs = 10): (handle: DocHandle<unknown>) => void {
  const last = new Map<DocumentId, number>();
  const waiting = new Set<DocumentId>();
  const push = (id: DocumentId): void => {
    waiting.delete(id);
    last.set(id, performance.now());
    const sync = repo.synchronizer.docSynchronizers[id];
    if (!sync) return;
    const peers = repo.peers.filter((p) => sync.hasPeer(p));
    if (peers.length > 0) void sync.beginSync(peers).catch(() => undefined);
  };
  return (handle) => {
    const id = handle.documentId;
    if (waiting.has(id)) return;
    const wait = (last.get(id) ?? -Infinity) + minIntervalMs - performance.now();
    if (wait <= 0) {
      // After the change event: the library's own listeners have seen the new heads.
      waiting.add(id);
      queueMicrotask(() => push(id));
      return;
    }
    waiting.add(id);
    setTimeout(() => push(id), wait).unref?.();
  };
}
