/**
 * `-o json|yaml|table|wide`: one parser and one renderer for every verb with output. JSON is the
 * stable contract for scripts (one document, or one object a line for streams); table is for people;
 * wide adds columns; yaml is JSON's content in YAML (the yaml module loads only when asked for).
 */
import { UsageError } from './args.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

export const ALL_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

/** The -o value, checked against what the verb supports; `text` is an alias of `table`. */
export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[] = ALL_FORMATS, fallback: OutputFormat = 'table'): OutputFormat {
  if (value === undefined) return fallback;
  const v = value === 'text' ? 'table' : value;
  if ((allowed as readonly string[]).includes(v)) return v as OutputFormat;
  throw new UsageError(`unknown output format "${value}"`, `use -o ${allowed.join('|')}`);
}

/** Renders data as JSON/YAML, or calls `text(wide)` for the human formats. */
export async function render(format: OutputFormat, data: unknown, text: (wide: boolean) => string): Promise<string> {
  if (format === 'json') return `${JSON.stringify(data)}\n`;
  if (format === 'yaml') {
    const { stringify } = await import('yaml');
    return stringify(data, { aliasDuplicateObjects: false });
  }
  return text(format === 'wide');
}
