/**
 * Loads a file and, transitively, everything it imports (files by URL, profiles by name). Each file
 * is read once even when imported many times; cycles are fine (the second visit finds it loaded).
 */
import path from 'node:path';
import { Codes, ProblemSink, type Position, type Problem } from '../problems/index.js';
import { parseYaml } from '../reader/index.js';
import { readToscaFile, type ToscaFileDef } from '../grammar/index.js';
import type { ImportDef } from '../model/index.js';
import { DEFAULT_LIMITS, limitHint, type ToscaLimits } from '../limits/index.js';
import { confined, decodeUtf8, resolveImport, type Location } from './source.js';

export interface ImportEdge {
  readonly def: ImportDef;
  /** Key of the imported file in the graph; undefined when the import failed. */
  readonly target?: string;
}

export interface LoadedFile {
  readonly key: string;
  readonly loc: Location;
  readonly display: string;
  readonly def?: ToscaFileDef;
  readonly edges: ImportEdge[];
}

/** Finds the file of a profile by name, reporting (and returning undefined) when it cannot. */
export type ProfileResolver = (name: string, pos: Position, sink: ProblemSink, from?: Location) => Promise<Location | undefined>;

/** A library file as read once: its definitions and the problems reading it produced. */
interface LibraryEntry {
  readonly stamp: string;
  readonly def: ToscaFileDef | undefined;
  readonly problems: readonly Problem[];
  readonly limited: boolean;
}
/** Library files by display name and path (display depends on the caller's cwd). Bounded. */
const library = new Map<string, LibraryEntry>();
const LIBRARY_MAX = 512;

/** Definitions that came from the library cache (shared between validations, never mutated). */
const libraryDefs = new WeakSet<ToscaFileDef>();
export function isLibraryDef(def: ToscaFileDef): boolean {
  return libraryDefs.has(def);
}

/** Stamps of library files, re-checked at most once a second (a stat per file per validation adds up). */
const stamps = new Map<string, { stamp: string; at: number }>();
const STAMP_TTL_MS = 1_000;

/** A cached library file when its stamp is unchanged (no read at all then). */
async function cachedLibrary(loc: Location, display: string): Promise<{ hit?: LibraryEntry; stamp?: string }> {
  const now = performance.now();
  const known = stamps.get(loc.path);
  let stamp = known && now - known.at < STAMP_TTL_MS ? known.stamp : undefined;
  if (stamp === undefined) {
    stamp = loc.store.stamp ? await loc.store.stamp(loc.path) : undefined;
    if (stamp !== undefined) {
      if (stamps.size >= LIBRARY_MAX) stamps.clear();
      stamps.set(loc.path, { stamp, at: now });
    }
  }
  if (stamp === undefined) return {};
  const hit = library.get(`${display}\0${loc.path}`);
  return hit && hit.stamp === stamp ? { hit, stamp } : { stamp };
}

/** Reads a library file into the cache (parse + grammar once per process per file version). */
function readLibrary(loc: Location, display: string, stamp: string, t: string, limits: ToscaLimits): LibraryEntry {
  const key = `${display}\0${loc.path}`;
  const sink = new ProblemSink();
  const parsed = parseYaml(t, display, sink, limits);
  const def = parsed.limited ? undefined : readToscaFile(parsed.root, parsed.firstKey, display, sink);
  const entry: LibraryEntry = { stamp, def, problems: sink.list(), limited: parsed.limited === true };
  if (def) libraryDefs.add(def);
  if (library.size >= LIBRARY_MAX) library.clear();
  library.set(key, entry);
  return entry;
}

export interface LoadOptions {
  readonly limits?: ToscaLimits;
  /**
   * Allow `file:` URLs and absolute paths outside the template's root (an operator's choice for
   * trusted local templates; never for templates received over the API). Default false.
   */
  readonly allowFiles?: boolean;
}

const storeIds = new WeakMap<object, number>();
let nextStoreId = 1;
function keyOf(loc: Location): string {
  let id = storeIds.get(loc.store);
  if (id === undefined) {
    id = nextStoreId++;
    storeIds.set(loc.store, id);
  }
  return `${id}:${loc.path}`;
}

export async function loadGraph(
  entry: Location,
  sink: ProblemSink,
  resolveProfile: ProfileResolver,
  /** The normative 1.x types that legacy (tosca_simple_yaml_1_x) files import implicitly. */
  legacyTypes?: Location,
  options: LoadOptions = {},
): Promise<{ entryKey: string; files: Map<string, LoadedFile> }> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const files = new Map<string, LoadedFile>();
  const load = async (loc: Location, from?: Position, depth = 0): Promise<string | undefined> => {
    const key = keyOf(loc);
    if (files.has(key)) return key;
    if (files.size >= limits.maxImportFiles) {
      if (from) sink.report(from, Codes.Limit, `more than ${limits.maxImportFiles} files are imported: check for a generated import chain; ${limitHint('maxImportFiles')}`);
      return undefined;
    }
    if (depth > limits.maxImportDepth) {
      if (from) sink.report(from, Codes.Limit, `the import chain is deeper than ${limits.maxImportDepth} files: check for a generated import chain; ${limitHint('maxImportDepth')}`);
      return undefined;
    }
    const display = loc.store.display(loc.path);
    const lib = loc.library ? await cachedLibrary(loc, display) : {};
    if (lib.hit) {
      files.set(key, { key, loc, display, edges: [] });
      return afterRead(loc, key, display, lib.hit, from, depth);
    }
    const size = loc.store.size ? await loc.store.size(loc.path) : undefined;
    if (size !== undefined && size > limits.maxFileBytes) {
      sink.report(from ?? { file: display, line: 1, column: 1 }, Codes.Limit, `${display} has ${size} bytes, more than ${limits.maxFileBytes}: split it into imported files; ${limitHint('maxFileBytes')}`);
      // The file exists: it is refused (invalid), not unreadable.
      files.set(key, { key, loc, display, edges: [] });
      return key;
    }
    const bytes = await loc.store.read(loc.path);
    if (bytes === undefined) {
      if (from) sink.report(from, Codes.ImportMissing, `cannot find the imported file ${display}: check the path (relative paths start at the importing file's folder)`);
      else sink.report({ file: display, line: 1, column: 1 }, Codes.IoRead, `cannot read ${display}`);
      return undefined;
    }
    const text = decodeUtf8(bytes);
    const entryFile: LoadedFile = { key, loc, display, edges: [] };
    files.set(key, entryFile);
    if (text === undefined) {
      sink.report({ file: display, line: 1, column: 1 }, Codes.IoRead, `${display} is not UTF-8 text`);
      return key;
    }
    if (bytes.length > limits.maxFileBytes) {
      sink.report(from ?? { file: display, line: 1, column: 1 }, Codes.Limit, `${display} has ${bytes.length} bytes, more than ${limits.maxFileBytes}: split it into imported files; ${limitHint('maxFileBytes')}`);
      return key;
    }
    if (lib.stamp !== undefined) return afterRead(loc, key, display, readLibrary(loc, display, lib.stamp, text, limits), from, depth);
    const parsed = parseYaml(text, display, sink, limits);
    if (parsed.limited) return key;
    const def = readToscaFile(parsed.root, parsed.firstKey, display, sink);
    if (def === undefined) {
      if (from && parsed.root !== undefined) sink.report(from, Codes.ImportInvalid, `the imported file ${display} is not a valid TOSCA file`);
      return key;
    }
    return withDef(loc, key, display, def, depth);
  };
  /** A library file from the cache: its problems replayed, then its imports loaded. */
  const afterRead = async (loc: Location, key: string, display: string, entry: LibraryEntry, from: Position | undefined, depth: number): Promise<string> => {
    for (const p of entry.problems) sink.report(p, p.code, p.message);
    if (entry.limited) return key;
    if (entry.def === undefined) {
      if (from) sink.report(from, Codes.ImportInvalid, `the imported file ${display} is not a valid TOSCA file`);
      return key;
    }
    return withDef(loc, key, display, entry.def, depth);
  };
  const withDef = async (loc: Location, key: string, display: string, def: ToscaFileDef, depth: number): Promise<string> => {
    const loaded: LoadedFile = { key, loc, display, def, edges: [] };
    files.set(key, loaded);
    for (const imp of def.imports) {
      const target = await loadImport(imp, loc, def, depth + 1);
      loaded.edges.push({ def: imp, ...(target !== undefined && { target }) });
    }
    if (def.legacy && legacyTypes && path.posix.dirname(loc.path) !== path.posix.dirname(legacyTypes.path)) {
      const target = await load(legacyTypes, def.pos, depth + 1);
      if (target !== undefined) loaded.edges.push({ def: { pos: def.pos, url: legacyTypes.path }, target });
    }
    return key;
  };
  /** Loads a URL import if it stays inside the importing file's root (or files are allowed). */
  const loadConfined = async (loc: Location, imp: ImportDef, depth: number, absolute: boolean): Promise<string | undefined> => {
    if (!options.allowFiles && (absolute || !(await confined(loc)))) {
      // The message names the path as written, never anything read from it.
      sink.report(
        imp.pos,
        Codes.Confined,
        absolute
          ? `the import "${imp.url ?? ''}" is a file: URL or absolute path, which is refused: import files by paths relative to the template, inside its folder or CSAR (an operator may allow files with --allow-files)`
          : `the import "${imp.url ?? ''}" leaves the template's root folder, which is refused: keep imported files inside the template's folder or CSAR (an operator may widen it with --root DIR)`,
      );
      return undefined;
    }
    return load(loc, imp.pos, depth);
  };
  const loadImport = async (imp: ImportDef, from: Location, def: ToscaFileDef, depth: number): Promise<string | undefined> => {
    if (imp.profile !== undefined) {
      const loc = await resolveProfile(imp.profile, imp.pos, sink, from);
      return loc && load(loc, imp.pos, depth);
    }
    let url = imp.url ?? '';
    if (imp.repository) {
      const repo = def.repositories.get(imp.repository.name);
      if (!repo) {
        sink.report(imp.repository.pos, Codes.ImportMissing, `unknown repository "${imp.repository.name}": declare it under repositories`);
        return undefined;
      }
      url = repo.url.replace(/\/?$/, '/') + url.replace(/^\//, '');
    }
    if (/^file:/i.test(url)) {
      let p: string;
      try {
        p = decodeURIComponent(url.replace(/^file:(\/\/)?/i, ''));
      } catch {
        sink.report(imp.pos, Codes.ImportInvalid, `the import URL is not correctly %-encoded: fix the URL`);
        return undefined;
      }
      const abs = path.posix.normalize(p.startsWith('/') ? p : '/' + p);
      // Inside an archive, file: paths are archive paths; on a file system they are absolute paths.
      const onDisk = from.store.realPath !== undefined;
      const loc = { store: from.store, path: onDisk ? abs : path.posix.join(from.root, abs), root: from.root };
      return loadConfined(loc, imp, depth, onDisk);
    }
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)) {
      sink.report(imp.pos, Codes.ImportMissing, `cannot fetch ${url}: remote imports are not supported offline; put the file in the CSAR and import it by relative path`);
      return undefined;
    }
    return loadConfined(resolveImport(from, url), imp, depth, false);
  };
  const entryKey = keyOf(entry);
  await load(entry);
  return { entryKey, files };
}
