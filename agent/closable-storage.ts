/**
 * Storage that can be sealed at shutdown. automerge-repo keeps throttled saves on timers that may
 * fire after `repo.shutdown()`; the agent flushes everything first, then seals the storage so such
 * late duplicate writes are dropped instead of racing whoever owns the directory next.
 */
import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo';

export class ClosableStorage implements StorageAdapterInterface {
  readonly #inner: StorageAdapterInterface;
  #sealed = false;
  readonly #pending = new Set<Promise<unknown>>();
  /** Documents deleted in this process (repo.delete): their folders may vanish under a late save. */
  readonly #deleted = new Set<string>();

  constructor(inner: StorageAdapterInterface) {
    this.#inner = inner;
  }

  /**
   * After this, writes are dropped (call it only after a flush). Resolves once the writes already
   * under way have finished, so nothing touches the directory afterwards. Reads still work.
   */
  async seal(): Promise<void> {
    this.#sealed = true;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #write(op: () => Promise<void>): Promise<void> {
    if (this.#sealed) return Promise.resolve();
    const p = op();
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p;
  }

  load(key: StorageKey): Promise<Uint8Array | undefined> {
    return this.#inner.load(key);
  }

  /** Marks a document as deleted: a save racing the removal of its folder is dropped, not thrown. */
  deleted(documentId: string): void {
    this.#deleted.add(documentId);
  }

  save(key: StorageKey, data: Uint8Array): Promise<void> {
    const write = this.#write(() => this.#inner.save(key, data));
    // The same race for a deleted document's own data (a peer synced it once more meanwhile).
    if (key[0] !== undefined && this.#deleted.has(key[0])) {
      return write.catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
      });
    }
    // A peer's sync state is a cache (without it the next sync starts from scratch). Its throttled
    // save can land while the document's folder is being removed (the document was deleted): the
    // adapter's mkdir then fails with ENOENT, inside automerge-repo, as an unhandled rejection.
    if (key[1] !== 'sync-state') return write;
    return write.catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    });
  }

  remove(key: StorageKey): Promise<void> {
    return this.#write(() => this.#inner.remove(key));
  }

  loadRange(prefix: StorageKey): Promise<Chunk[]> {
    return this.#inner.loadRange(prefix);
  }

  removeRange(prefix: StorageKey): Promise<void> {
    return this.#write(() => this.#inner.removeRange(prefix));
  }
}
