/**
 * Loads a file and, transitively, everything it imports (files by URL, profiles by name). Each file
 * is read once even when imported many times; cycles are fine (the second visit finds it loaded).
 */
import path from 'node:path';
import { Codes, type Position, type ProblemSink } from '../problems/index.js';
import { parseYaml } from '../reader/index.js';
import { readToscaFile, type ToscaFileDef } from '../grammar/index.js';
import type { ImportDef } from '../model/index.js';
import { decodeUtf8, resolveImport, type Location } from './source.js';

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
export type ProfileResolver = (name: string, pos: Position, sink: ProblemSink) => Promise<Location | undefined>;

/** Upper bound on files in one import graph, so a generated import chain cannot run away. */
const MAX_FILES = 2_000;

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
): Promise<{ entryKey: string; files: Map<string, LoadedFile> }> {
  const files = new Map<string, LoadedFile>();
  const load = async (loc: Location, from?: Position): Promise<string | undefined> => {
    const key = keyOf(loc);
    if (files.has(key)) return key;
    if (files.size >= MAX_FILES) {
      if (from) sink.report(from, Codes.ImportInvalid, `more than ${MAX_FILES} files are imported: check for a generated import chain`);
      return undefined;
    }
    const display = loc.store.display(loc.path);
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
    const parsed = parseYaml(text, display, sink);
    const def = readToscaFile(parsed.root, parsed.firstKey, display, sink);
    if (def === undefined) {
      if (from && parsed.root !== undefined) sink.report(from, Codes.ImportInvalid, `the imported file ${display} is not a valid TOSCA file`);
      return key;
    }
    const loaded: LoadedFile = { ...entryFile, def };
    files.set(key, loaded);
    for (const imp of def.imports) {
      const target = await loadImport(imp, loc, def);
      loaded.edges.push({ def: imp, ...(target !== undefined && { target }) });
    }
    if (def.legacy && legacyTypes && path.posix.dirname(loc.path) !== path.posix.dirname(legacyTypes.path)) {
      const target = await load(legacyTypes, def.pos);
      if (target !== undefined) loaded.edges.push({ def: { pos: def.pos, url: legacyTypes.path }, target });
    }
    return key;
  };
  const loadImport = async (imp: ImportDef, from: Location, def: ToscaFileDef): Promise<string | undefined> => {
    if (imp.profile !== undefined) {
      const loc = await resolveProfile(imp.profile, imp.pos, sink);
      return loc && load(loc, imp.pos);
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
      const p = decodeURIComponent(url.replace(/^file:(\/\/)?/i, ''));
      return load({ store: from.store, path: path.posix.normalize(p.startsWith('/') ? p : '/' + p), root: from.root }, imp.pos);
    }
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)) {
      sink.report(imp.pos, Codes.ImportMissing, `cannot fetch ${url}: remote imports are not supported offline; put the file in the CSAR and import it by relative path`);
      return undefined;
    }
    return load(resolveImport(from, url), imp.pos);
  };
  const entryKey = keyOf(entry);
  await load(entry);
  return { entryKey, files };
}
