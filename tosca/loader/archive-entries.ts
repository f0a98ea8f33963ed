/**
 * Reads zip and tar archives within limits. Zip entries are checked from the central directory
 * (names, count, declared sizes, their sum) before anything is inflated, and each entry is then
 * inflated with a hard output cap equal to its declared size, so an entry that lies about its size
 * stops at the cap. Gzip is inflated with a cap on the total. Entry names that leave the archive
 * root (`..`, absolute paths, drive letters, backslashes, NUL) are refused.
 */
import { gunzipSync, inflateRawSync } from 'node:zlib';
import path from 'node:path';
import { Readable } from 'node:stream';
import { KhutulunError } from '../../common/index.js';
import { limitHint, type ToscaLimits } from '../limits/index.js';

export function csarError(message: string, hint: string): KhutulunError {
  return new KhutulunError('KH-TOSCA-CSAR', message, { hint });
}

export function limitError(message: string, key: keyof ToscaLimits): KhutulunError {
  return new KhutulunError('KH-TOSCA-LIMIT', message, { hint: limitHint(key) });
}

export function confinedError(message: string, hint: string): KhutulunError {
  return new KhutulunError('KH-TOSCA-CONFINED', message, { hint });
}

/** Shows an entry name safely in a message (bounded, control characters escaped). */
function shown(name: string): string {
  const s = JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
  return s;
}

/**
 * The archive path of an entry name ("/dir/file"), or an error when the name leaves the root.
 * Returns undefined for directory entries.
 */
export function entryPath(name: string): string | undefined {
  if (name.length > 4096 || /[\0\\]/.test(name) || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..')) {
    throw confinedError(
      `the archive entry ${shown(name)} leaves the archive root (absolute path, "..", drive letter, backslash or NUL)`,
      'repack the CSAR with entry names relative to its root',
    );
  }
  if (name.endsWith('/') || name === '') return undefined;
  return path.posix.normalize('/' + name);
}

class Entries {
  readonly files = new Map<string, Uint8Array>();
  total = 0;
  constructor(private readonly limits: ToscaLimits) {}

  /** Admits an entry by its declared size (before its bytes are produced). */
  admit(name: string, declared: number): string | undefined {
    const p = entryPath(name);
    if (p === undefined) return undefined;
    if (this.files.has(p)) throw csarError(`the archive has two entries named ${shown(name)}`, 'repack the CSAR so that each path appears once');
    if (this.files.size >= this.limits.maxArchiveEntries) throw limitError(`the archive has more than ${this.limits.maxArchiveEntries} entries`, 'maxArchiveEntries');
    if (declared > this.limits.maxEntryBytes) {
      throw limitError(`the archive entry ${shown(name)} inflates to ${declared} bytes, more than ${this.limits.maxEntryBytes}`, 'maxEntryBytes');
    }
    this.total += declared;
    if (this.total > this.limits.maxInflatedBytes) {
      throw limitError(`the archive's entries inflate to more than ${this.limits.maxInflatedBytes} bytes together`, 'maxInflatedBytes');
    }
    return p;
  }
}

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

function findEocd(b: Buffer): number {
  const stop = Math.max(0, b.length - 22 - 0xffff);
  for (let i = b.length - 22; i >= stop; i--) if (b.readUInt32LE(i) === EOCD) return i;
  return -1;
}

/** Unpacks a zip archive within the limits. */
export function unzipBounded(bytes: Uint8Array, limits: ToscaLimits): Map<string, Uint8Array> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const broken = (why: string): KhutulunError => csarError(`not a readable zip archive: ${why}`, 'repack the CSAR as zip or tar.gz');
  const eocd = b.length >= 22 ? findEocd(b) : -1;
  if (eocd < 0) throw broken('no end of central directory record');
  const count = b.readUInt16LE(eocd + 10);
  const cdSize = b.readUInt32LE(eocd + 12);
  const cdOffset = b.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw csarError('zip64 archives are not supported', 'repack the CSAR as a plain zip (below 4 GiB) or tar.gz');
  if (cdOffset + cdSize > eocd) throw broken('the central directory lies outside the file');
  if (count > limits.maxArchiveEntries) throw limitError(`the archive has ${count} entries, more than ${limits.maxArchiveEntries}`, 'maxArchiveEntries');
  const entries = new Entries(limits);
  // Pass 1: the central directory only. Names, count and declared sizes are checked here.
  const plan: { p: string; name: string; method: number; csize: number; usize: number; local: number }[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || b.readUInt32LE(at) !== CDH) throw broken('a central directory record is damaged');
    const flags = b.readUInt16LE(at + 8);
    const method = b.readUInt16LE(at + 10);
    const csize = b.readUInt32LE(at + 20);
    const usize = b.readUInt32LE(at + 24);
    const nameLen = b.readUInt16LE(at + 28);
    const extraLen = b.readUInt16LE(at + 30);
    const commentLen = b.readUInt16LE(at + 32);
    const local = b.readUInt32LE(at + 42);
    if (at + 46 + nameLen > eocd) throw broken('a central directory record is damaged');
    const name = b.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (usize === 0xffffffff || csize === 0xffffffff) throw csarError('zip64 archives are not supported', 'repack the CSAR as a plain zip or tar.gz');
    const p = entries.admit(name, usize);
    if (p === undefined) continue;
    if (flags & 0x1) throw csarError(`the archive entry ${shown(name)} is encrypted`, 'repack the CSAR without encryption');
    if (method !== 0 && method !== 8) throw csarError(`the archive entry ${shown(name)} uses compression method ${method}`, 'repack the CSAR with deflate (the zip default)');
    plan.push({ p, name, method, csize, usize, local });
  }
  // Pass 2: inflate each entry with its declared size as a hard cap.
  for (const e of plan) {
    if (e.local + 30 > b.length || b.readUInt32LE(e.local) !== LFH) throw broken(`the local header of ${shown(e.name)} is damaged`);
    const start = e.local + 30 + b.readUInt16LE(e.local + 26) + b.readUInt16LE(e.local + 28);
    if (start + e.csize > b.length) throw broken(`the data of ${shown(e.name)} lies outside the file`);
    const raw = b.subarray(start, start + e.csize);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.usize) });
      } catch (error) {
        if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw csarError(`the archive entry ${shown(e.name)} inflates to more than the ${e.usize} bytes its directory declares`, 'the archive is damaged or hostile; repack it');
        }
        throw broken(`the entry ${shown(e.name)} does not inflate`);
      }
    }
    if (data.length !== e.usize) throw csarError(`the archive entry ${shown(e.name)} has ${data.length} bytes, but its directory declares ${e.usize}`, 'the archive is damaged; repack it');
    entries.files.set(e.p, new Uint8Array(data));
  }
  return entries.files;
}

/** Unpacks a tar or tar.gz archive within the limits (gzip inflated with a cap on the total). */
export async function untarBounded(bytes: Uint8Array, limits: ToscaLimits): Promise<Map<string, Uint8Array>> {
  let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data[0] === 0x1f && data[1] === 0x8b) {
    // Headers and padding take at most 1 KiB per entry on top of the content.
    const cap = limits.maxInflatedBytes + 1024 * Math.min(limits.maxArchiveEntries, 100_000) + 1024;
    try {
      data = gunzipSync(data, { maxOutputLength: cap });
    } catch (error) {
      if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw limitError(`the archive inflates to more than ${cap} bytes`, 'maxInflatedBytes');
      }
      throw csarError('not a readable tar.gz archive (gzip data is damaged)', 'repack the CSAR');
    }
  }
  const entries = new Entries(limits);
  // Loaded on use: validating a YAML file need not pay for the tar reader.
  const { Parser } = await import('tar');
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      reject(e instanceof KhutulunError ? e : csarError(`not a readable tar archive: ${String(e)}`, 'repack the CSAR'));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        if (failed) return entry.resume();
        let p: string | undefined;
        try {
          p = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' ? entries.admit(entry.path, entry.size) : (entryPath(entry.path), undefined);
        } catch (e) {
          fail(e);
          parser.abort(e instanceof Error ? e : new Error(String(e)));
          return entry.resume();
        }
        if (p === undefined) return entry.resume();
        const key = p;
        const chunks: Buffer[] = [];
        let got = 0;
        entry.on('data', (c: Buffer) => {
          got += c.length;
          if (got > entry.size) return fail(csarError(`the archive entry ${shown(entry.path)} is longer than its header says`, 'repack the CSAR'));
          chunks.push(c);
        });
        entry.on('end', () => entries.files.set(key, Buffer.concat(chunks)));
      },
    });
    parser.on('error', fail);
    parser.on('end', () => (failed ? undefined : resolve()));
    parser.on('close', () => (failed ? undefined : resolve()));
    Readable.from([data]).pipe(parser);
  });
  return entries.files;
}
