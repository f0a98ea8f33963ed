/**
 * The profile catalog: profile names (`profile: NAME`) mapped to the files that declare them.
 * Built from the project's own profiles/ folder plus the folders the user adds with --profiles.
 * Files that fail to parse are skipped; a name declared by several files keeps every candidate,
 * and the processor picks the one that validates.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { FsStore, type Location } from '../loader/source.js';

const MAX_FILES = 10_000;
/** A cheap pre-filter so files without a top-level `profile:` key are never parsed. */
const PROFILE_LINE = /^profile\s*:/m;

export class ProfileCatalog {
  readonly #byName = new Map<string, Location[]>();

  /** Registers one file under a profile name (later duplicates are kept as candidates). */
  add(name: string, loc: Location): void {
    const list = this.#byName.get(name) ?? [];
    // The same file reached through two folders (e.g. profiles/ given again with --profiles) counts once.
    if (!list.some((l) => l.path === loc.path && (l.store === loc.store || (l.store instanceof FsStore && loc.store instanceof FsStore)))) list.push(loc);
    this.#byName.set(name, list);
  }

  candidates(name: string): readonly Location[] {
    return this.#byName.get(name) ?? [];
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  /** Scans a folder recursively for YAML files that declare `profile: NAME`. */
  async addDirectory(dir: string, cwd: string): Promise<void> {
    const store = new FsStore(cwd);
    const files: string[] = [];
    const root = path.resolve(cwd, dir);
    await walk(root, files);
    for (const f of files) {
      let text: string;
      try {
        // A catalog may hold large artifacts: only files a TOSCA file could be are read.
        if ((await stat(f)).size > DEFAULT_LIMITS.maxFileBytes) continue;
        text = await readFile(f, 'utf8');
      } catch {
        continue;
      }
      if (!PROFILE_LINE.test(text)) continue;
      const name = profileNameOf(text);
      // The catalog folder is the profile's root: its files may import each other inside it.
      if (name !== undefined) this.add(name, { store, path: f, root, library: true });
    }
  }
}

/** The `profile` value of a YAML text, or undefined when it does not parse or has none. */
export function profileNameOf(text: string): string | undefined {
  try {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) return undefined;
    const v: unknown = doc.get('profile');
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

const NOT_TOSCA = /\.(sh|bash|py|js|mjs|cjs|ts|json|md|txt|rst|html|css|png|jpe?g|gif|svg|ico|gz|tgz|zip|tar|csar|wasm|so|bin|exe|jar|war|pem|crt|key|lock|log|meta|xml|ini|cfg|conf|toml)$/i;

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (out.length >= MAX_FILES) return;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) await walk(p, out);
    } else if (e.isFile() && /\.(ya?ml)$/i.test(e.name)) out.push(p);
    // TOSCA files without a YAML extension exist too (`io.kubernetes`, `types`); known artifact
    // and archive kinds are skipped, everything else is checked for a `profile:` line.
    else if (e.isFile() && !NOT_TOSCA.test(e.name)) out.push(p);
  }
}

/** The repository root (found by walking up to package.json from this module). */
let cachedRoot: { dir: string | undefined } | undefined;
function projectRoot(): string | undefined {
  if (cachedRoot) return cachedRoot.dir;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return (cachedRoot = { dir }).dir;
    dir = path.dirname(dir);
  }
  return (cachedRoot = { dir: undefined }).dir;
}

/** The project's own profiles/ folder. */
export function projectProfilesDir(): string | undefined {
  const root = projectRoot();
  const p = root && path.join(root, 'profiles');
  return p && existsSync(p) ? p : undefined;
}

/** The bundled TOSCA Simple Profile 1.3 normative types (source files, also used from dist/). */
export function legacyTypesFile(): string | undefined {
  const root = projectRoot();
  const p = root && path.join(root, 'tosca', 'legacy', 'simple-1.3', 'profile.yaml');
  return p && existsSync(p) ? p : undefined;
}

/** A catalog with the project's profiles plus the given folders. */
export async function buildCatalog(dirs: readonly string[], cwd: string): Promise<ProfileCatalog> {
  const catalog = new ProfileCatalog();
  const own = projectProfilesDir();
  if (own) await catalog.addDirectory(own, cwd);
  for (const d of dirs) await catalog.addDirectory(d, cwd);
  return catalog;
}
