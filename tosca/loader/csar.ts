/**
 * CSAR archives (17): zip, tar and tar.gz (archive-entries.ts, within limits), or an unpacked folder. Finds the entry
 * definitions through TOSCA.meta (at the root or in TOSCA-Metadata/) or, without a meta file, the
 * single YAML file at the root.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_LIMITS, type ToscaLimits } from '../limits/index.js';
import { confinedError, csarError, limitError, unzipBounded, untarBounded } from './archive-entries.js';
import { decodeUtf8, FsStore, MemoryStore, type Location, type SourceStore } from './source.js';

export interface CsarEntry {
  entry: Location;
  /** `Other-Definitions` from TOSCA.meta (also validated as entry points). */
  others: Location[];
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
    const loc = (p: string): Location => {
      if (/[\0\\]/.test(p) || p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.split('/').includes('..') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p)) {
        throw confinedError(`${metaPath} names ${JSON.stringify(p.slice(0, 120))}, which is not a path inside the archive`, 'name the definitions by paths relative to the CSAR root (17.2)');
      }
      return { store, path: path.posix.normalize('/' + p), root: '/' };
    };
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
    if (budget.n-- <= 0) throw limitError(`the CSAR folder has more than the allowed number of entries`, 'maxArchiveEntries');
    const p = `${prefix}/${e.name}`;
    if (e.isDirectory()) await listDir(path.join(dir, e.name), p, out, budget);
    else out.push(p);
  }
}

/** Opens a CSAR folder, zip, tar or tar.gz; `display` names it in problems. */
export async function openCsar(file: string, cwd: string, limits: ToscaLimits = DEFAULT_LIMITS): Promise<CsarEntry> {
  const abs = path.resolve(cwd, file);
  const s = await stat(abs);
  if (s.isDirectory()) {
    const listing: string[] = [];
    await listDir(abs, '', listing, { n: limits.maxArchiveEntries });
    const fs = new FsStore(cwd);
    // A folder is read in place: inner paths map onto the folder (symbolic links checked by realPath).
    const inner = (p: string): string => path.join(abs, path.posix.normalize('/' + p));
    const store: SourceStore = {
      read: (p) => fs.read(inner(p)),
      display: (p) => fs.display(inner(p)),
      size: (p) => fs.size(inner(p)),
      // Real file-system paths: the loader compares the real path of a file with that of the root.
      realPath: (p) => fs.realPath(inner(p)),
    };
    return findEntry(store, listing);
  }
  if (s.size > limits.maxArchiveBytes) throw limitError(`the archive has ${s.size} bytes, more than ${limits.maxArchiveBytes}`, 'maxArchiveBytes');
  const bytes = await readFile(abs);
  const label = new FsStore(cwd).display(abs);
  let files: Map<string, Uint8Array>;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) files = unzipBounded(bytes, limits);
  else files = await untarBounded(bytes, limits);
  const store = new MemoryStore(files, label);
  return findEntry(store, store.paths());
}

/** True when the path looks like an archive rather than a YAML file. */
export function isArchiveName(file: string): boolean {
  return /\.(zip|csar|tar|tgz|tar\.gz)$/i.test(file);
}
