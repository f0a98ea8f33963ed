/**
 * Where TOSCA files come from: the file system, or a CSAR archive unpacked in memory. A Location
 * names a file inside a store together with the root of its repository (for `/`-rooted imports).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export interface SourceStore {
  /** Reads a file by its absolute POSIX path inside the store; undefined when it does not exist. */
  read(p: string): Promise<Uint8Array | undefined>;
  /** How to show a path of this store in problems. */
  display(p: string): string;
}

export interface Location {
  readonly store: SourceStore;
  /** Absolute path inside the store. */
  readonly path: string;
  /** Root of the repository that holds the file (the CSAR root, or the entry file's folder). */
  readonly root: string;
}

/** The local file system; problems show paths relative to `cwd` when they are below it. */
export class FsStore implements SourceStore {
  /** `aliases` shows chosen paths as the user wrote them (the CLI's FILE arguments). */
  constructor(
    private readonly cwd: string,
    private readonly aliases: ReadonlyMap<string, string> = new Map(),
  ) {}

  async read(p: string): Promise<Uint8Array | undefined> {
    try {
      const s = await stat(p);
      if (!s.isFile()) return undefined;
      return await readFile(p);
    } catch {
      return undefined;
    }
  }

  display(p: string): string {
    const alias = this.aliases.get(p);
    if (alias !== undefined) return alias;
    const rel = path.relative(this.cwd, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
  }
}

/** An in-memory store (an unpacked CSAR archive); paths are shown as `archive!/inner/path`. */
export class MemoryStore implements SourceStore {
  constructor(
    private readonly files: ReadonlyMap<string, Uint8Array>,
    private readonly label: string,
  ) {}

  read(p: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.files.get(path.posix.normalize(p)));
  }

  display(p: string): string {
    return `${this.label}!${p}`;
  }

  paths(): string[] {
    return [...this.files.keys()];
  }
}

/** Resolves an import URL (without scheme) against the importing file. */
export function resolveImport(from: Location, url: string): Location {
  const p = url.startsWith('/')
    ? path.posix.join(from.root, url)
    : path.posix.join(path.posix.dirname(from.path), url);
  return { store: from.store, path: path.posix.normalize(p), root: from.root };
}

/** Decodes UTF-8 strictly (a broken encoding is a problem, not mojibake). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch {
    return undefined;
  }
}
