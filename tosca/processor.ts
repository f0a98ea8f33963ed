/**
 * The front door: validate one TOSCA file, CSAR archive or CSAR folder. Reads it and its imports,
 * checks the grammar, resolves types across namespaces and checks templates — collecting every
 * problem. I/O failures of the entry itself become problems too (the CLI maps them to exit 2).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Codes, ProblemSink, type Position, type Problem } from './problems/index.js';
import { legacyTypesFile, ProfileCatalog } from './catalog/index.js';
import { FsStore, isArchiveName, isInside, isLibraryDef, loadGraph, openCsar, type LoadedFile, type Location } from './loader/index.js';
import { resolveLimits, type ToscaLimits } from './limits/index.js';
import type { ToscaFileDef } from './grammar/index.js';
import type { NormalizedServiceTemplate, TypeDef } from './model/index.js';
import { buildScopes, checkFunctionDef, checkServiceTemplate, checkType, Hierarchy, normalizeServiceTemplate, type Scope } from './semantics/index.js';

/** The validated model handed to the compile step. */
export interface ToscaModel {
  /** The entry file's definitions (service template included). */
  readonly entry: ToscaFileDef;
  /** The entry file's scope: look types up by (namespace-qualified) name. */
  readonly scope: Scope;
  /** Derivation chains and effective (inherited + refined) properties/attributes of any type. */
  readonly hierarchy: Hierarchy;
  /** Every file read, by key. */
  readonly files: ReadonlyMap<string, LoadedFile>;
  /** The service template normalized (effective values, inheritance applied); absent without one. */
  readonly service?: NormalizedServiceTemplate;
}

export interface ValidationResult {
  readonly file: string;
  readonly valid: boolean;
  readonly problems: readonly Problem[];
  /** Present when the entry file could be read (even if it has problems). */
  readonly model?: ToscaModel;
  /** True when the entry itself could not be read (missing file, unreadable archive). */
  readonly ioError: boolean;
}

export interface ValidateOptions {
  readonly catalog?: ProfileCatalog;
  readonly cwd?: string;
  /** Limits on sizes, counts and depths (defaults in DEFAULT_LIMITS, documented in docs/tosca.md). */
  readonly limits?: Partial<ToscaLimits>;
  /**
   * The folder imports must stay inside, for a YAML file (default: the file's own folder; a CSAR's
   * root is the archive). Ignored when the file is not inside it.
   */
  readonly root?: string;
  /** Allow `file:` URLs and absolute import paths (trusted local templates only). Default false. */
  readonly allowFiles?: boolean;
}

/**
 * Type-check problems of library files (catalog profiles, bundled 1.x types), by their shared
 * definitions: a library file imports only library files, so its checks come out the same each time.
 */
const libraryChecks = new WeakMap<ToscaFileDef, readonly Problem[]>();

/** Validates a file that the caller has already located. */
export async function validateLocation(entry: Location, display: string, opts: ValidateOptions, depth = 0): Promise<ValidationResult> {
  const sink = new ProblemSink();
  const catalog = opts.catalog ?? new ProfileCatalog();
  const chosen = new Map<string, Location | null>();
  const resolveProfile = async (name: string, pos: Position, s: ProblemSink, from?: Location): Promise<Location | undefined> => {
    const cands = catalog.candidates(name);
    // Several declarations: the valid ones compete, and the one nearest the importing file (in its
    // folder or the closest enclosing one) wins; otherwise the choice would be a guess.
    const near = (c: Location): number => {
      if (!from || (c.store !== from.store && !(c.store instanceof FsStore && from.store instanceof FsStore))) return -1;
      const dir = path.dirname(c.path);
      return isInside(dir, from.path) ? dir.length : -1;
    };
    const key = cands.length > 1 && from ? `${name}\0${path.dirname(from.path)}` : name;
    const cached = chosen.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let pick: Location | undefined;
    if (cands.length === 1) pick = cands[0];
    else if (cands.length > 1 && depth < 4) {
      // Several files declare the name: the one that validates wins (others are drafts or broken).
      const valid: Location[] = [];
      for (const c of cands) {
        const r = await validateLocation(c, c.store.display(c.path), opts, depth + 1);
        if (r.valid) valid.push(c);
      }
      const best = Math.max(...valid.map(near));
      const nearest = best >= 0 ? valid.filter((c) => near(c) === best) : [];
      if (valid.length === 1) pick = valid[0];
      else if (nearest.length === 1) pick = nearest[0];
      else {
        s.report(pos, Codes.ProfileUnknown, `the profile "${name}" is declared by ${cands.length} files and ${valid.length} of them are valid: keep one`);
        chosen.set(key, null);
        return undefined;
      }
    }
    if (!pick) {
      s.report(pos, Codes.ProfileUnknown, `unknown profile "${name}": add the folder that holds it with --profiles DIR`);
      chosen.set(key, null);
      return undefined;
    }
    chosen.set(key, pick);
    return pick;
  };
  const legacyFile = legacyTypesFile();
  const legacy = legacyFile ? { store: new FsStore(opts.cwd ?? process.cwd()), path: legacyFile, root: path.dirname(legacyFile), library: true } : undefined;
  const { entryKey, files } = await loadGraph(entry, sink, resolveProfile, legacy, {
    limits: resolveLimits(opts.limits),
    ...(opts.allowFiles !== undefined && { allowFiles: opts.allowFiles }),
  });
  const scopes = buildScopes(files, sink);
  const scopeOf = new Map<TypeDef, Scope>();
  for (const f of files.values()) {
    const s = scopes.get(f.key);
    if (!f.def || !s) continue;
    for (const kind of Object.values(f.def.types)) for (const t of kind.values()) scopeOf.set(t, s);
  }
  const hierarchy = new Hierarchy(scopeOf, sink);
  for (const f of files.values()) {
    const s = scopes.get(f.key);
    if (!f.def || !s) continue;
    // A library file's types are checked once per process: its problems are replayed after that.
    const library = isLibraryDef(f.def);
    const known = library ? libraryChecks.get(f.def) : undefined;
    if (known) {
      for (const p of known) sink.report(p, p.code, p.message);
      continue;
    }
    const own = library ? new ProblemSink() : sink;
    const ctx = { sink: own, hierarchy, scope: s, legacy: f.def.legacy };
    for (const kind of Object.values(f.def.types)) for (const t of kind.values()) checkType(t, s, ctx);
    for (const fn of f.def.functions.values()) checkFunctionDef(fn, s, ctx);
    if (library) {
      const found = own.list();
      libraryChecks.set(f.def, found);
      for (const p of found) sink.report(p, p.code, p.message);
    }
  }
  const root = files.get(entryKey);
  const rootScope = scopes.get(entryKey);
  if (root?.def?.serviceTemplate && rootScope) {
    checkServiceTemplate(root.def.serviceTemplate, rootScope, { sink, hierarchy, scope: rootScope, legacy: root.def.legacy });
  }
  const problems = sink.list();
  const ioError = root === undefined;
  return {
    file: display,
    valid: problems.length === 0,
    problems,
    ...(root?.def &&
      rootScope && {
        model: {
          entry: root.def,
          scope: rootScope,
          hierarchy,
          files,
          ...(root.def.serviceTemplate && { service: normalizeServiceTemplate(root.def.serviceTemplate, rootScope, hierarchy, root.def.legacy) }),
        },
      }),
    ioError,
  };
}

/** Coded errors of archive reading -> problem codes (anything else is an I/O error). */
const ARCHIVE_CODES: Readonly<Record<string, string>> = {
  'KH-TOSCA-CSAR': Codes.Csar,
  'KH-TOSCA-LIMIT': Codes.Limit,
  'KH-TOSCA-CONFINED': Codes.Confined,
};

/** Validates a YAML file, CSAR archive (zip, tar, tar.gz) or CSAR folder by path. */
export async function validateFile(file: string, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  const fail = (message: string): ValidationResult => ({
    file,
    valid: false,
    problems: [{ file, line: 1, column: 1, code: Codes.IoRead, message }],
    ioError: true,
  });
  let isDir = false;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    return fail(`cannot read ${file}: no such file or folder`);
  }
  if (isDir || isArchiveName(file)) {
    try {
      const csar = await openCsar(file, cwd, resolveLimits(opts.limits));
      const r = await validateLocation(csar.entry, file, opts);
      const extra = [];
      for (const o of csar.others) extra.push(...(await validateLocation(o, file, opts)).problems);
      const problems = [...r.problems, ...extra];
      // The archive itself was read: a missing entry inside it makes the CSAR invalid, not an I/O error.
      return { ...r, file, problems, valid: problems.length === 0, ioError: false };
    } catch (error) {
      const e = error as { code?: string; message?: string; hint?: string };
      const code = ARCHIVE_CODES[e.code ?? ''];
      const r = fail(`${file}: ${e.message ?? String(error)}${e.hint ? `: ${e.hint}` : ''}`);
      return { ...r, problems: r.problems.map((p) => ({ ...p, code: code ?? Codes.IoRead })), ioError: code === undefined };
    }
  }
  const store = new FsStore(cwd, new Map([[abs, file]]));
  const wide = opts.root !== undefined ? path.resolve(cwd, opts.root) : undefined;
  const root = wide !== undefined && isInside(wide, abs) ? wide : path.dirname(abs);
  const r = await validateLocation({ store, path: abs, root }, file, opts);
  return { ...r, file };
}
