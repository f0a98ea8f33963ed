/**
 * Limits that bound the work a hostile template can cause: each is checked before the work it
 * guards (file sizes before reading, archive entry sizes from the zip central directory before
 * inflating, counts before instantiating). Exceeding one is a coded problem that names the limit
 * and how to raise it. Defaults are documented in docs/tosca.md.
 */

export interface ToscaLimits {
  /** Bytes of one YAML file (checked before it is read or parsed). */
  readonly maxFileBytes: number;
  /** YAML nodes of one document, alias expansions counted. */
  readonly maxYamlNodes: number;
  /** YAML nesting depth. */
  readonly maxYamlDepth: number;
  /** Characters of one YAML scalar (string). */
  readonly maxStringLength: number;
  /** Files read for one template (its imports, transitively). */
  readonly maxImportFiles: number;
  /** Length of the longest import chain (a imports b imports c ...). */
  readonly maxImportDepth: number;
  /** Bytes of an archive file (CSAR zip or tar) on disk, checked before it is read. */
  readonly maxArchiveBytes: number;
  /** Entries of one archive. */
  readonly maxArchiveEntries: number;
  /** Inflated bytes of one archive entry (declared size checked before inflating, real size while). */
  readonly maxEntryBytes: number;
  /** Inflated bytes of all entries of one archive together. */
  readonly maxInflatedBytes: number;
  /** Instances of one node template (`count`), and requirement `count`s. */
  readonly maxInstances: number;
  /** Instances of all node templates of one service together. */
  readonly maxTotalInstances: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: ToscaLimits = Object.freeze({
  maxFileBytes: 4 * MiB,
  maxYamlNodes: 500_000,
  maxYamlDepth: 200,
  maxStringLength: 1 * MiB,
  maxImportFiles: 2_000,
  maxImportDepth: 64,
  maxArchiveBytes: 64 * MiB,
  maxArchiveEntries: 20_000,
  maxEntryBytes: 16 * MiB,
  maxInflatedBytes: 128 * MiB,
  maxInstances: 10_000,
  maxTotalInstances: 50_000,
});

/** The flag / option name of each limit, for hints ("raise it with ..."). */
export const LIMIT_NAMES: Readonly<Record<keyof ToscaLimits, string>> = {
  maxFileBytes: 'max-file-bytes',
  maxYamlNodes: 'max-yaml-nodes',
  maxYamlDepth: 'max-yaml-depth',
  maxStringLength: 'max-string-length',
  maxImportFiles: 'max-import-files',
  maxImportDepth: 'max-import-depth',
  maxArchiveBytes: 'max-archive-bytes',
  maxArchiveEntries: 'max-archive-entries',
  maxEntryBytes: 'max-entry-bytes',
  maxInflatedBytes: 'max-inflated-bytes',
  maxInstances: 'max-instances',
  maxTotalInstances: 'max-total-instances',
};

/** Defaults overridden by the given values (non-positive or non-finite values are ignored). */
export function resolveLimits(partial: Partial<ToscaLimits> = {}): ToscaLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(partial)) {
    if (k in DEFAULT_LIMITS && typeof v === 'number' && Number.isFinite(v) && v > 0) out[k] = Math.floor(v);
  }
  return out as unknown as ToscaLimits;
}

/** "raise it with --limit max-file-bytes=N" — the hint every limit problem ends with. */
export function limitHint(key: keyof ToscaLimits): string {
  return `the limit is ${LIMIT_NAMES[key]}; an operator can raise it (--limit ${LIMIT_NAMES[key]}=N)`;
}

/** Parses `NAME=N` assignments (the CLI's --limit flags) into limits; unknown names throw. */
export function parseLimitAssignments(assignments: readonly string[]): Partial<ToscaLimits> {
  const byName = new Map(Object.entries(LIMIT_NAMES).map(([k, n]) => [n, k as keyof ToscaLimits]));
  const out: Partial<Record<keyof ToscaLimits, number>> = {};
  for (const a of assignments) {
    const i = a.indexOf('=');
    const key = byName.get(i > 0 ? a.slice(0, i) : a);
    const n = Number(i > 0 ? a.slice(i + 1) : NaN);
    if (key === undefined || !Number.isSafeInteger(n) || n <= 0) {
      throw new RangeError(`--limit ${a}: expected NAME=N with N a positive integer and NAME one of ${[...byName.keys()].join(', ')}`);
    }
    out[key] = n;
  }
  return out;
}
