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

  save(key: StorageKey, data: Uint8Array): Promise<void> {
    return this.#write(() => this.#inner.save(key, data));
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
