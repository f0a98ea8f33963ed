/**
 * What each change did to one entity, with values: for every Automerge change whose message says
 * it touched the entity, the entity's record just before (the change's dependencies) and just after
 * it, read field by field — `property:port` 8080 → 8081, `status` starting → started (with its
 * reason), `owner` host-a → host-b, `metadata:KEY` for control fields such as the spec generation.
 */
import * as A from '@automerge/automerge';
import { recordOf, str } from './doc-schema.js';
import type { DeploymentDoc, EntityRecord } from './doc-schema.js';
import { decodeMetadata, decodeProperty, decodeStatus } from './entity-codec.js';
import type { EntityKind } from './ids.js';
import type { FieldChange } from './events.js';
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

/** The entity's record before and after change `hash` (whose dependencies are `deps`). */
export function recordsAround(doc: A.Doc<DeploymentDoc>, hash: string, deps: readonly string[], kind: EntityKind, path: string): [EntityRecord | undefined, EntityRecord | undefined] {
  const before = deps.length === 0 ? undefined : recordOf(A.view(doc, [...deps]), kind, path);
  const after = recordOf(A.view(doc, [hash]), kind, path);
  return [before, after];
}
