/** The built-in data types of TOSCA 2.0 (9.1), plus the 1.3 scalar-unit types for compatibility. */
import type { Position } from '../problems/index.js';
import type { TypeDef } from '../model/index.js';

export const BUILTIN_FILE = '<built-in>';
const POS: Position = { file: BUILTIN_FILE, line: 0, column: 0 };

export const PRIMITIVES = ['string', 'integer', 'float', 'boolean', 'bytes', 'nil'] as const;
export const SPECIALS = ['timestamp', 'scalar', 'version'] as const;
export const COLLECTIONS = ['list', 'map'] as const;
export const BUILTIN_NAMES: readonly string[] = [...PRIMITIVES, ...SPECIALS, ...COLLECTIONS];

function dataType(name: string, extra: Partial<TypeDef> = {}): TypeDef {
  return {
    kind: 'data',
    name,
    pos: POS,
    file: BUILTIN_FILE,
    properties: new Map(),
    attributes: new Map(),
    requirements: [],
    capabilities: new Map(),
    interfaces: new Map(),
    artifacts: new Map(),
    inputs: new Map(),
    operations: new Map(),
    notifications: new Map(),
    ...extra,
  };
}

const num = (value: number, float = false) => ({ value, float, pos: POS });

export const BUILTIN_TYPES: ReadonlyMap<string, TypeDef> = new Map(BUILTIN_NAMES.map((n) => [n, dataType(n)]));

/** TOSCA 1.3 scalar-unit types (not built-in in 2.0: using them there is an unknown type). */
export const LEGACY_TYPES: ReadonlyMap<string, TypeDef> = new Map(
  [
    dataType('scalar-unit.size', {
      derivedFrom: { name: 'scalar', pos: POS },
      dataType: { name: 'integer', pos: POS },
      units: new Map(
        Object.entries({ B: 1, kB: 1000, KiB: 1024, MB: 1e6, MiB: 1048576, GB: 1e9, GiB: 1073741824, TB: 1e12, TiB: 1099511627776 }).map(
          ([k, v]) => [k, num(v)],
        ),
      ),
      canonicalUnit: { value: 'B', pos: POS },
    }),
    dataType('scalar-unit.time', {
      derivedFrom: { name: 'scalar', pos: POS },
      units: new Map(Object.entries({ d: 86400, h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9 }).map(([k, v]) => [k, num(v, true)])),
      canonicalUnit: { value: 's', pos: POS },
    }),
    dataType('scalar-unit.frequency', {
      derivedFrom: { name: 'scalar', pos: POS },
      units: new Map(Object.entries({ Hz: 1, kHz: 1e3, MHz: 1e6, GHz: 1e9 }).map(([k, v]) => [k, num(v, true)])),
      canonicalUnit: { value: 'Hz', pos: POS },
    }),
    dataType('scalar-unit.bitrate', {
      derivedFrom: { name: 'scalar', pos: POS },
      units: new Map(
        Object.entries({ bps: 1, Kbps: 1e3, Kibps: 1024, Mbps: 1e6, Mibps: 1048576, Gbps: 1e9, Gibps: 1073741824 }).map(([k, v]) => [k, num(v, true)]),
      ),
      canonicalUnit: { value: 'bps', pos: POS },
    }),
    dataType('range', { derivedFrom: { name: 'list', pos: POS }, entrySchema: { pos: POS, type: { name: 'integer', pos: POS } } }),
  ].map((t) => [t.name, t]),
);
