/**
 * Where TOSCA files come from: the file system, or a CSAR archive unpacked in memory. A Location
 * names a file inside a store together with the root of its repository (for `/`-rooted imports).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export interface SourceStore {
  /** Reads a file by its absolute POSIX path inside the store; undefined when it does not exist. */
  read(p: string): Promise<Uint8Array | undefined>;
  /** How to show a path of this store in problems. */
  display(p: string): string;
  /** Size in bytes without reading (stores that read lazily check limits with it first). */
  size?(p: string): Promise<number | undefined>;
  /** A cheap identity of the file's content (size, mtime) for caching library files. */
  stamp?(p: string): Promise<string | undefined>;
  /** The path with symbolic links resolved (stores backed by a file system; for confinement). */
  realPath?(p: string): Promise<string | undefined>;
}

export interface Location {
  readonly store: SourceStore;
  /** Absolute path inside the store. */
  readonly path: string;
  /** Root of the repository that holds the file (the CSAR root, or the entry file's folder). */
  readonly root: string;
  /**
   * A library file (a catalog profile, the bundled 1.x types, or a file they import): unchanged
   * files of this kind are read, parsed and grammar-checked once per process and shared.
   */
  readonly library?: boolean;
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

  async size(p: string): Promise<number | undefined> {
    try {
      const s = await stat(p);
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  }

  /** Identifies the file's content cheaply (size and modification time), for caches. */
  async stamp(p: string): Promise<string | undefined> {
    try {
      const s = await stat(p);
      return s.isFile() ? `${s.size}:${s.mtimeMs}` : undefined;
    } catch {
      return undefined;
    }
  }

  async realPath(p: string): Promise<string | undefined> {
    try {
      return await realpath(p);
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

/** True when `p` is `root` or below it (POSIX paths, both normalized). */
export function isInside(root: string, p: string): boolean {
  const rel = path.posix.relative(root, p);
  return rel === '' || (!rel.startsWith('../') && rel !== '..' && !path.posix.isAbsolute(rel));
}

/**
 * Whether a location stays inside its root, symbolic links included (a link inside the root that
 * points outside is outside). Stores without a file system are checked by path alone.
 */
export async function confined(loc: Location): Promise<boolean> {
  if (!isInside(loc.root, loc.path)) return false;
  // Library files live in folders the operator chose (catalogs, the bundled types): path check only.
  if (!loc.store.realPath || loc.library) return true;
  const [real, realRoot] = await Promise.all([loc.store.realPath(loc.path), loc.store.realPath(loc.root)]);
  // A missing file is reported as missing by the reader; only a resolved path can leave the root.
  if (real === undefined || realRoot === undefined) return true;
  return isInside(realRoot, real);
}

/** Resolves an import URL (without scheme) against the importing file. */
export function resolveImport(from: Location, url: string): Location {
  const p = url.startsWith('/')
    ? path.posix.join(from.root, url)
    : path.posix.join(path.posix.dirname(from.path), url);
  return { store: from.store, path: path.posix.normalize(p), root: from.root, ...(from.library && { library: true }) };
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
