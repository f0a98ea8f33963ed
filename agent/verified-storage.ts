/**
 * Document chunks checked as they are loaded, so one damaged file costs what it held, not the
 * document (or a hung, then crashed, load inside automerge-repo). An incremental chunk is stored
 * under the SHA-256 of its bytes (automerge-repo's key), so it is checked against its key; a
 * snapshot is checked against the checksums Automerge writes in every chunk header. A chunk that
 * fails is moved to `quarantine/` beside the repo (kept for forensics, never deleted), reported
 * with `KH-STATE-QUARANTINED` naming it, and left out: the document loads from its other chunks,
 * and sync brings back from peers whatever the lost chunk held that they have.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo';
import { writeFileAtomic } from '../common/index.js';
import type { Logger } from '../common/index.js';

export const QUARANTINED = 'KH-STATE-QUARANTINED';

const MAGIC = [0x85, 0x6f, 0x4a, 0x83] as const;

function uleb(b: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0, i = at; i < b.length && shift < 53; shift += 7, i++) {
    const x = b[i]!;
    value += (x & 0x7f) * 2 ** shift;
    if ((x & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

/** Why Automerge chunk bytes are damaged (magic, length, checksum of each chunk), or undefined. */
export function chunkDamage(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'empty';
  let at = 0;
  while (at < bytes.length) {
    if (MAGIC.some((m, k) => bytes[at + k] !== m)) return `no chunk header at byte ${at}`;
    const len = uleb(bytes, at + 9);
    if (!len || len.next + len.value > bytes.length) return `chunk at byte ${at} is cut short`;
    const sum = createHash('sha256').update(bytes.subarray(at + 8, len.next + len.value)).digest();
    for (let k = 0; k < 4; k++) if (sum[k] !== bytes[at + 4 + k]) return `checksum of the chunk at byte ${at} does not match`;
    at = len.next + len.value;
  }
  return undefined;
}

function damageOf(key: StorageKey, data: Uint8Array): string | undefined {
  if (key[1] === 'incremental' && key[2] !== undefined) {
    return createHash('sha256').update(data).digest('hex') === key[2] ? undefined : 'its SHA-256 is not the one it was stored under';
  }
  if (key[1] === 'snapshot') return chunkDamage(data);
  return undefined;
}

export interface VerifiedStorageOptions {
  /** Where damaged chunks go (created on first use). */
  readonly quarantineDir: string;
  readonly logger: Logger;
  /** Told of every chunk quarantined (the agent publishes it on its event stream). */
  readonly onQuarantine?: (key: StorageKey, reason: string, path: string) => void;
}

export class VerifiedStorage implements StorageAdapterInterface {
  readonly #inner: StorageAdapterInterface;
  readonly #o: VerifiedStorageOptions;

  constructor(inner: StorageAdapterInterface, options: VerifiedStorageOptions) {
    this.#inner = inner;
    this.#o = options;
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    const data = await this.#inner.load(key);
    if (data === undefined) return undefined;
    return (await this.#checked({ key, data })) ? data : undefined;
  }

  save(key: StorageKey, data: Uint8Array): Promise<void> {
    return this.#inner.save(key, data);
  }

  remove(key: StorageKey): Promise<void> {
    return this.#inner.remove(key);
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const chunks = await this.#inner.loadRange(prefix);
    const out: Chunk[] = [];
    for (const c of chunks) if (c.data === undefined || (await this.#checked({ key: c.key, data: c.data }))) out.push(c);
    return out;
  }

  removeRange(prefix: StorageKey): Promise<void> {
    return this.#inner.removeRange(prefix);
  }

  /** True when the chunk is sound; a damaged one is quarantined and false. */
  async #checked(c: { key: StorageKey; data: Uint8Array }): Promise<boolean> {
    const reason = damageOf(c.key, c.data);
    if (reason === undefined) return true;
    mkdirSync(this.#o.quarantineDir, { recursive: true, mode: 0o700 });
    const path = join(this.#o.quarantineDir, `${Date.now()}-${c.key.join('-').replace(/[^A-Za-z0-9._-]/g, '_')}`);
    writeFileAtomic(path, c.data);
    await this.#inner.remove(c.key);
    this.#o.logger.log('error', `${QUARANTINED}: a stored chunk of document ${c.key[0]} is damaged (${reason}); moved to ${path}`, {
      code: QUARANTINED,
      document: c.key[0],
      chunk: c.key.join('/'),
      hint: 'the document loads from its other chunks, and peers send back what they have; keep the file for a bug report',
    });
    this.#o.onQuarantine?.(c.key, reason, path);
    return false;
  }
}
