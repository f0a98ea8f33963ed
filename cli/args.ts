/**
 * A small, strict argument parser shared by every command: unknown flags are usage errors (exit 2),
 * repeatable flags collect into arrays, `--flag=value` and `--flag value` both work.
 */
import { KhutulunError } from '../common/errors.js';

export interface FlagSpec {
  /** Takes a value (otherwise it is a boolean switch). */
  value?: boolean;
  /** May be given several times (values collect into an array). */
  repeat?: boolean;
  /** Single-letter alias, e.g. `o` for `-o`. */
  short?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export class UsageError extends KhutulunError {
  constructor(message: string, hint?: string) {
    super('KH-CLI-USAGE', message, hint === undefined ? {} : { hint });
  }
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) byShort.set(s.short, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg.slice(1, 2);
      name = byShort.get(letter);
      if (!name) throw new UsageError(`unknown option ${arg}`, 'see `khutulun help`');
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined;
    } else {
      positionals.push(arg);
      continue;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`, 'see `khutulun help`');
    if (!s.value) {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let v = inline;
    if (v === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value`);
      v = argv[++i]!;
    }
    if (s.repeat) {
      const prev = flags[name];
      flags[name] = [...(Array.isArray(prev) ? prev : []), v];
    } else {
      if (flags[name] !== undefined) throw new UsageError(`option --${name} given twice`);
      flags[name] = v;
    }
  }
  return { flags, positionals };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function flagList(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flagBool(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

/** Parses repeated `NAME=VALUE` pairs (for --input); the value is YAML so `3`, `true`, `[a]` keep types. */
export function parseAssignments(items: readonly string[]): Array<[string, string]> {
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected NAME=VALUE, got "${item}"`, 'for example --input port=8080');
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}
