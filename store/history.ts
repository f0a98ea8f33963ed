/**
 * What each change did to each entity, with values, read from the changes' operations in one pass
 * (historyIndex), field by field — `property:port` 8080 → 8081, `status` starting → started (with its
 * reason), `owner` host-a → host-b, `metadata:KEY` for control fields such as the spec generation.
 */
import * as A from '@automerge/automerge';
import { str } from './doc-schema.js';
import type { EntityRecord } from './doc-schema.js';
import { decodeMetadata, decodeProperty, decodeStatus } from './entity-codec.js';
import type { FieldChange, HistoryEntry } from './events.js';
import { toJson } from './expression/index.js';

/** JSON-safe: bigints (metadata integers) become numbers, ImmutableStrings strings. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    if (v instanceof A.ImmutableString) return v.val;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function propertyValue(rec: EntityRecord | undefined, name: string): unknown {
  const text = str(rec?.props?.[name]);
  if (text === undefined) return undefined;
  const p = decodeProperty(text);
  return p.value === undefined ? null : plain(toJson(p.value));
}

function statusOf(rec: EntityRecord | undefined): { state?: string; note?: string } {
  const s = decodeStatus(str(rec?.status));
  if (!s) return {};
  const note = s.error ? `${s.error.code}: ${s.error.message}` : s.reason;
  return { state: s.state, ...(note ? { note } : {}) };
}

/** The value changes of `fields` (as the change message lists them) between two records. */
export function fieldChanges(fields: readonly string[], before: EntityRecord | undefined, after: EntityRecord | undefined): FieldChange[] {
  const out: FieldChange[] = [];
  const push = (field: string, old: unknown, now: unknown, note?: string): void => {
    if (JSON.stringify(old) === JSON.stringify(now) && note === undefined) return;
    out.push({ field, ...(old !== undefined ? { old } : {}), ...(now !== undefined ? { new: now } : {}), ...(note !== undefined ? { note } : {}) });
  };
  for (const field of fields) {
    if (field.startsWith('property:')) {
      const name = field.slice('property:'.length);
      push(field, propertyValue(before, name), propertyValue(after, name));
    } else if (field === 'status') {
      const a = statusOf(before);
      const b = statusOf(after);
      push(field, a.state, b.state, b.note);
    } else if (field === 'owner') {
      push(field, str(before?.owner), str(after?.owner));
    } else if (field === 'metadata') {
      const a = decodeMetadata(str(before?.meta));
      const b = decodeMetadata(str(after?.meta));
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        push(`metadata:${key}`, plain(a[key]), plain(b[key]));
      }
    } else {
      out.push({ field });
    }
  }
  return out;
}

type Tracked = { status?: string; owner?: string; meta?: string; props: Record<string, string> };
type Location = { parent: string; key: string };
/** What the history index needs of a decoded Automerge change. */
export interface DecodedChange {
  readonly actor: string;
  readonly seq: number;
  readonly startOp: number;
  readonly time: number;
  readonly hash?: string | null;
  readonly message?: string | null;
  readonly ops: readonly { action: string; obj: string; key?: string | number | null; value?: unknown }[];
}

/**
 * Every entity's history from ONE pass over the document's changes in causal order (linear in
 * the operations; no document version is materialised): the change ops say which record field got
 * which value, so each entry's old value is the field's value after the previous change.
 * Keyed by `kind:path`; entries in causal order, `order` their position.
 */
export function historyIndex(changes: readonly DecodedChange[], message: (c: DecodedChange) => { h: string; at: number; t: Record<string, string[]> } | undefined): Map<string, HistoryEntry[]> {
  const objects = new Map<string, Location>();
  const records = new Map<string, Tracked>();
  const out = new Map<string, HistoryEntry[]>();
  /** `{key, props?}` of an object that is an entity record (`e/KIND/BUCKET/PATH`) or its props map. */
  const locate = (obj: string): { key: string; props: boolean } | undefined => {
    const chain: string[] = [];
    for (let o: string | undefined = obj; o !== undefined && o !== '_root' && chain.length < 6; ) {
      const loc = objects.get(o);
      if (!loc) return undefined;
      chain.unshift(loc.key);
      o = loc.parent;
    }
    if (chain[0] !== 'e') return undefined;
    if (chain.length === 4) return { key: `${chain[1]}:${chain[3]}`, props: false };
    if (chain.length === 5 && chain[4] === 'props') return { key: `${chain[1]}:${chain[3]}`, props: true };
    return undefined;
  };
  /** A bucket object (`e/KIND/BUCKET`): its children are records. */
  const bucketKind = (obj: string): string | undefined => {
    const b = objects.get(obj);
    const k = b && objects.get(b.parent);
    return k && objects.get(k.parent)?.key === 'e' && objects.get(k.parent)?.parent === '_root' ? k.key : undefined;
  };
  changes.forEach((c, order) => {
    const m = message(c);
    const before = new Map<string, Tracked | undefined>();
    const touch = (key: string): void => {
      if (!before.has(key)) {
        const r = records.get(key);
        before.set(key, r ? { ...r, props: { ...r.props } } : undefined);
      }
    };
    c.ops.forEach((op, i) => {
      const id = `${c.startOp + i}@${c.actor}`;
      const key = op.key === undefined || op.key === null ? undefined : String(op.key);
      if (key === undefined) return;
      const kind = bucketKind(op.obj);
      if (kind !== undefined) {
        // A record created (made) or deleted in its bucket.
        const k = `${kind}:${key}`;
        touch(k);
        if (op.action === 'makeMap') records.set(k, { props: {} });
        else if (op.action === 'del') records.delete(k);
      }
      if (op.action === 'makeMap') objects.set(id, { parent: op.obj, key });
      const at = locate(op.obj);
      if (!at) return;
      touch(at.key);
      const r = records.get(at.key) ?? { props: {} };
      records.set(at.key, r);
      const value = op.action === 'set' && typeof op.value === 'string' ? op.value : undefined;
      if (at.props) {
        if (value !== undefined) r.props[key] = value;
        else if (op.action === 'del') delete r.props[key];
      } else if (key === 'status' || key === 'owner' || key === 'meta') {
        if (value !== undefined) r[key] = value;
        else if (op.action === 'del') delete r[key];
      }
    });
    if (!m) return;
    for (const [key, fields] of Object.entries(m.t)) {
      const toRecord = (t: Tracked | undefined): EntityRecord | undefined => (t ? ({ ...t } as unknown as EntityRecord) : undefined);
      const entry: HistoryEntry = {
        actor: c.actor,
        host: m.h,
        at: m.at,
        fields,
        hash: c.hash ?? '',
        seq: c.seq,
        order,
        changes: fieldChanges(fields, toRecord(before.has(key) ? before.get(key) : records.get(key)), toRecord(records.get(key))),
      };
      const list = out.get(key);
      if (list) list.push(entry);
      else out.set(key, [entry]);
    }
  });
  return out;
}
