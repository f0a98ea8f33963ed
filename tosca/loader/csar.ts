/**
 * CSAR archives (17): zip (fflate), tar and tar.gz (tar), or an unpacked folder. Finds the entry
 * definitions through TOSCA.meta (at the root or in TOSCA-Metadata/) or, without a meta file, the
 * single YAML file at the root.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { unzipSync } from 'fflate';
import { Parser } from 'tar';
import { KhutulunError } from '../../common/index.js';
import { decodeUtf8, FsStore, MemoryStore, type Location, type SourceStore } from './source.js';

/** Limits that keep a hostile archive from exhausting memory. */
const MAX_ENTRIES = 20_000;
const MAX_BYTES = 512 * 1024 * 1024;

export interface CsarEntry {
  entry: Location;
  /** `Other-Definitions` from TOSCA.meta (also validated as entry points). */
  others: Location[];
}

function csarError(message: string, hint: string): KhutulunError {
  return new KhutulunError('KH-TOSCA-CSAR', message, { hint });
}

async function unzip(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw csarError(`not a readable zip archive: ${String(error)}`, 'repack the CSAR as zip or tar.gz');
  }
  const out = new Map<string, Uint8Array>();
  let total = 0;
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    total += data.length;
    if (out.size >= MAX_ENTRIES || total > MAX_BYTES) throw csarError('the archive is too large', 'keep CSARs below 512 MiB and 20,000 files');
    out.set(path.posix.normalize('/' + name), data);
  }
  return out;
}

async function untar(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      onReadEntry: (entry) => {
        if (entry.type !== 'File') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => {
          total += c.length;
          if (total > MAX_BYTES) parser.abort(csarError('the archive is too large', 'keep CSARs below 512 MiB'));
          chunks.push(c);
        });
        entry.on('end', () => {
          if (out.size < MAX_ENTRIES) out.set(path.posix.normalize('/' + entry.path), Buffer.concat(chunks));
        });
      },
    });
    parser.on('error', (e: unknown) => reject(e instanceof KhutulunError ? e : csarError(`not a readable tar archive: ${String(e)}`, 'repack the CSAR')));
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
    Readable.from([Buffer.from(bytes)]).pipe(parser);
  });
  return out;
}

/** Parses TOSCA.meta blocks: `Key: value` lines; returns the first block's keys. */
export function parseToscaMeta(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') {
      if (out.size > 0) break;
      continue;
    }
    const i = raw.indexOf(':');
    if (i <= 0) continue;
    out.set(raw.slice(0, i).trim(), raw.slice(i + 1).trim());
  }
  return out;
}

async function findEntry(store: SourceStore, listing: readonly string[]): Promise<CsarEntry> {
  for (const metaPath of ['/TOSCA-Metadata/TOSCA.meta', '/TOSCA.meta']) {
    const bytes = await store.read(metaPath);
    if (!bytes) continue;
    const text = decodeUtf8(bytes);
    if (text === undefined) throw csarError(`${metaPath} is not UTF-8 text`, 'save TOSCA.meta as UTF-8');
    const meta = parseToscaMeta(text);
    const entry = meta.get('Entry-Definitions');
    if (!entry) throw csarError(`${metaPath} has no Entry-Definitions`, 'add "Entry-Definitions: <path to the main YAML file>"');
    const others = (meta.get('Other-Definitions') ?? '').split(/\s+/).filter((s) => s !== '');
    const loc = (p: string): Location => ({ store, path: path.posix.normalize('/' + p), root: '/' });
    return { entry: loc(entry), others: others.map(loc) };
  }
  const roots = listing.filter((p) => /^\/[^/]+\.ya?ml$/.test(p));
  if (roots.length !== 1) {
    throw csarError(
      roots.length === 0 ? 'the CSAR has no TOSCA.meta and no YAML file at its root' : 'the CSAR has no TOSCA.meta and several YAML files at its root',
      'add TOSCA-Metadata/TOSCA.meta with Entry-Definitions, or keep exactly one YAML file at the root (17.3)',
    );
  }
  return { entry: { store, path: roots[0]!, root: '/' }, others: [] };
}

async function listDir(dir: string, prefix: string, out: string[], budget: { n: number }): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (budget.n-- <= 0) return;
    const p = `${prefix}/${e.name}`;
    if (e.isDirectory()) await listDir(path.join(dir, e.name), p, out, budget);
    else out.push(p);
  }
}

/** Opens a CSAR folder, zip, tar or tar.gz; `display` names it in problems. */
export async function openCsar(file: string, cwd: string): Promise<CsarEntry> {
  const abs = path.resolve(cwd, file);
  const s = await stat(abs);
  if (s.isDirectory()) {
    const listing: string[] = [];
    await listDir(abs, '', listing, { n: MAX_ENTRIES });
    const fs = new FsStore(cwd);
    // A folder is read in place: inner paths map onto the folder.
    const store: SourceStore = {
      read: (p) => fs.read(path.join(abs, p)),
      display: (p) => fs.display(path.join(abs, p)),
    };
    return findEntry(store, listing);
  }
  const bytes = await readFile(abs);
  const label = new FsStore(cwd).display(abs);
  let files: Map<string, Uint8Array>;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) files = await unzip(bytes);
  else files = await untar(bytes); // tar handles gzip by sniffing the magic bytes
  const store = new MemoryStore(files, label);
  return findEntry(store, store.paths());
}

/** True when the path looks like an archive rather than a YAML file. */
export function isArchiveName(file: string): boolean {
  return /\.(zip|csar|tar|tgz|tar\.gz)$/i.test(file);
}
