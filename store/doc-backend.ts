/**
 * The seam between the store logic and where a document lives: an automerge-repo DocHandle
 * (production) or a bare Automerge doc merged by hand (replica property tests).
 */
import * as A from '@automerge/automerge';
import type { DocHandle, DocHandleChangePayload } from '@automerge/automerge-repo';

export interface DocChange<T> {
  readonly before: A.Doc<T>;
  readonly after: A.Doc<T>;
  readonly patches: readonly A.Patch[];
  /** True for changes this backend's owner made (not merged from a peer). */
  readonly local: boolean;
}

export interface DocBackend<T> {
  doc(): A.Doc<T>;
  change(fn: (d: T) => void, options: { message: string; time: number }): void;
  onChange(listener: (c: DocChange<T>) => void): () => void;
}

/**
 * Backend over an automerge-repo handle; 'change' events cover local edits and remote sync.
 * `afterLocalChange` runs after each local change (the agent pushes it to peers at once).
 */
export function handleBackend<T>(handle: DocHandle<T>, afterLocalChange?: (handle: DocHandle<unknown>) => void): DocBackend<T> {
  let inLocal = false;
  return {
    doc: () => handle.doc(),
    change(fn, options) {
      inLocal = true;
      try {
        handle.change(fn as A.ChangeFn<T>, options);
      } finally {
        inLocal = false;
      }
      afterLocalChange?.(handle as DocHandle<unknown>);
    },
    onChange(listener) {
      const h = (p: DocHandleChangePayload<T>): void =>
        listener({ before: p.patchInfo.before, after: p.patchInfo.after, patches: p.patches, local: inLocal });
      handle.on('change', h);
      return () => void handle.off('change', h);
    },
  };
}

/** A plain in-memory document with explicit merge (for tests and simulations). */
export class MemoryBackend<T> implements DocBackend<T> {
  #doc: A.Doc<T>;
  readonly #listeners = new Set<(c: DocChange<T>) => void>();

  constructor(doc: A.Doc<T>) {
    this.#doc = doc;
  }

  doc(): A.Doc<T> {
    return this.#doc;
  }

  change(fn: (d: T) => void, options: { message: string; time: number }): void {
    this.#apply(A.change(this.#doc, options, fn as A.ChangeFn<T>), true);
  }

  /** Merges another replica's changes (like a sync round), emitting remote change events. */
  merge(other: A.Doc<T>): void {
    this.#apply(A.merge(A.clone(this.#doc), other), false);
  }

  onChange(listener: (c: DocChange<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #apply(after: A.Doc<T>, local: boolean): void {
    const before = this.#doc;
    this.#doc = after;
    if (this.#listeners.size === 0) return;
    const bh = A.getHeads(before);
    const ah = A.getHeads(after);
    if (bh.length === ah.length && bh.every((h, i) => h === ah[i])) return;
    const patches = A.diff(after, bh, ah);
    for (const l of this.#listeners) l({ before, after, patches, local });
  }
}
