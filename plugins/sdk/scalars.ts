/**
 * TOSCA scalar-unit values as plugins see them: a number (already in base units) or text such as
 * `10 s`, `500 ms`, `512 MiB`. Pure, for use inside plugins.
 */
import { fail } from './define-plugin.js';

const TIME_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_B: Record<string, number> = {
  b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3, tb: 1e12, tib: 1024 ** 4,
};

function parse(value: unknown, table: Record<string, number>, what: string, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  // A typed TOSCA scalar as the store's JSON view carries it: read it back as "<amount> <unit>".
  if (typeof value === 'object' && !Array.isArray(value) && (value as { $custom?: unknown }).$custom === 'tosca:scalar') {
    const inner = (value as { value?: { amount?: unknown; unit?: unknown } }).value;
    if (inner && (typeof inner.amount === 'number' || typeof inner.amount === 'string') && typeof inner.unit === 'string') {
      return parse(`${String(inner.amount)} ${inner.unit}`, table, what, name);
    }
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*$/.exec(value);
    const factor = m ? table[m[2]!.toLowerCase()] : undefined;
    if (m && factor !== undefined) return Number(m[1]) * factor;
  }
  return fail('KH-PLUGIN-PROPERTY', `${name} must be a ${what} such as ${what === 'time' ? '"10 s"' : '"512 MiB"'}, got ${JSON.stringify(value)}`, {
    hint: `units: ${Object.keys(table).join(', ')}`,
  });
}

/** A scalar-unit.time in milliseconds. */
export function parseDurationMs(value: unknown, name = 'value'): number | undefined {
  const ms = parse(value, TIME_MS, 'time', name);
  return ms === undefined ? undefined : Math.round(ms);
}

/** A scalar-unit.size in bytes. */
export function parseSizeBytes(value: unknown, name = 'value'): number | undefined {
  const bytes = parse(value, SIZE_B, 'size', name);
  return bytes === undefined ? undefined : Math.round(bytes);
}
