/**
 * Where the ledger lives. A narrow interface so the allocator does not depend on the store layer;
 * the file store keeps it durable on one host (atomic replace), a store/ adapter can replicate it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KhutulunError, writeFileAtomic } from '../../common/index.js';
import { emptyLedger, PortErrorCode } from './port-ledger.js';
import type { PortLedger } from './port-ledger.js';

export interface PortReservationStore {
  load(): Promise<PortLedger>;
  /** Applies `change` to the current ledger and persists the result before resolving. */
  update<T>(change: (ledger: PortLedger) => { ledger: PortLedger; result: T }): Promise<T>;
}

/** Serialises updates in this process so read-modify-write never interleaves. */
abstract class SerialStore implements PortReservationStore {
  #tail: Promise<unknown> = Promise.resolve();

  abstract load(): Promise<PortLedger>;
  protected abstract save(ledger: PortLedger): Promise<void>;

  update<T>(change: (ledger: PortLedger) => { ledger: PortLedger; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      const { ledger, result } = change(await this.load());
      await this.save(ledger);
      return result;
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

export class MemoryPortStore extends SerialStore {
  #ledger: PortLedger;

  constructor(initial: PortLedger = emptyLedger()) {
    super();
    this.#ledger = structuredClone(initial);
  }

  async load(): Promise<PortLedger> {
    return structuredClone(this.#ledger);
  }

  protected async save(ledger: PortLedger): Promise<void> {
    this.#ledger = structuredClone(ledger);
  }
}

function isLedger(value: unknown): value is PortLedger {
  if (typeof value !== 'object' || value === null) return false;
  const hosts = (value as PortLedger).hosts;
  return typeof hosts === 'object' && hosts !== null && Object.values(hosts).every((h) => typeof h === 'object' && h !== null);
}

export class JsonFilePortStore extends SerialStore {
  readonly path: string;

  constructor(path: string) {
    super();
    this.path = path;
  }

  async load(): Promise<PortLedger> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyLedger();
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      parsed = error;
    }
    if (!isLedger(parsed)) {
      // Never overwrite a record we cannot read: that would lose every reservation in it.
      throw new KhutulunError(PortErrorCode.corruptRecord, `port reservations in ${this.path} are unreadable (corrupt state file)`, {
        hint: `inspect or restore ${this.path}; delete it only if no workload on this host holds a reserved port`,
        details: { path: this.path },
      });
    }
    return parsed;
  }

  protected async save(ledger: PortLedger): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    // temp file, fsync, rename, fsync of the folder: the old or the new ledger, never half.
    writeFileAtomic(this.path, JSON.stringify(ledger), 0o600);
  }
}
