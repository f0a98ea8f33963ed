/**
 * Derives typed ChangeEvents from Automerge patches: one event per (entity, field[, property])
 * touched, with decoded old/new values read from the documents before and after.
 */
import type * as A from '@automerge/automerge';
import { isEntityKind, parseEntityId } from './ids.js';
import type { EntityKind } from './ids.js';
import type { ChangeEvent, ChangeField } from './events.js';
import type { DeploymentDoc, EntityRecord } from './doc-schema.js';
import { recordOf, str } from './doc-schema.js';
import { decodeHandlers, decodeMetadata, decodeProperty, decodeStatus, decodeTarget, keys } from './entity-codec.js';

const FIELD_OF: Record<string, ChangeField> = {
  meta: 'metadata',
  cls: 'classIds',
  props: 'property',
  hdl: 'handlers',
  ihdl: 'instantiationHandlers',
  owner: 'owner',
  status: 'status',
  containing: 'containing',
  contained: 'contained',
  out: 'outgoing',
  in: 'incoming',
  source: 'source',
  target: 'target',
  tgt: 'target',
  origin: 'origin',
  url: 'url',
  pre: 'precompiled',
};

function fieldValue(rec: EntityRecord | undefined, raw: string, sub: string | undefined): unknown {
  if (!rec) return undefined;
  switch (raw) {
    case 'meta':
      return decodeMetadata(str(rec.meta));
    case 'props': {
      const t = sub === undefined ? undefined : str(rec.props?.[sub]);
      return t === undefined ? undefined : decodeProperty(t);
    }
    case 'hdl':
      return decodeHandlers(str(rec.hdl));
    case 'ihdl':
      return decodeHandlers(str(rec.ihdl));
    case 'status':
      return decodeStatus(str(rec.status));
    case 'tgt':
      return rec.tgt === undefined ? undefined : decodeTarget(str(rec.tgt));
    case 'cls':
    case 'contained':
    case 'out':
    case 'in':
      return keys(rec[raw]);
    default: {
      const v = (rec as Record<string, unknown>)[raw];
      return typeof v === 'object' && v !== null && 'val' in v ? String((v as { val: unknown }).val) : v;
    }
  }
}

export function deriveEvents(
  deployment: string,
  before: DeploymentDoc,
  after: DeploymentDoc,
  patches: readonly A.Patch[],
  local: boolean,
): ChangeEvent[] {
  const seen = new Set<string>();
  const created = new Set<string>();
  const events: ChangeEvent[] = [];
  for (const patch of patches) {
    const path = patch.path;
    if (path[0] !== 'e' || path.length < 4) continue;
    const kind = path[1];
    if (!isEntityKind(kind)) continue;
    const entityPath = String(path[3]);
    const ek = `${kind}:${entityPath}`;
    const oldRec = recordOf(before, kind, entityPath);
    const newRec = recordOf(after, kind, entityPath);
    if (path.length === 4 || !oldRec || !newRec) {
      if (seen.has(ek)) continue;
      seen.add(ek);
      if (!oldRec && newRec) {
        created.add(ek);
        events.push(event(deployment, kind, entityPath, 'created', undefined, undefined, undefined, local));
      } else if (oldRec && !newRec) {
        events.push(event(deployment, kind, entityPath, 'deleted', undefined, undefined, undefined, local));
      } else if (oldRec && newRec) {
        // The record was replaced wholesale (e.g. a concurrent re-create won): report each field.
        for (const raw of new Set([...Object.keys(oldRec), ...Object.keys(newRec)])) {
          const field = FIELD_OF[raw];
          if (!field) continue;
          if (raw === 'props') {
            for (const p of new Set([...Object.keys(oldRec.props ?? {}), ...Object.keys(newRec.props ?? {})])) {
              if (str(oldRec.props?.[p]) !== str(newRec.props?.[p])) events.push(event(deployment, kind, entityPath, field, p, fieldValue(oldRec, raw, p), fieldValue(newRec, raw, p), local));
            }
          } else if (JSON.stringify(oldRec[raw as keyof EntityRecord]) !== JSON.stringify(newRec[raw as keyof EntityRecord])) {
            events.push(event(deployment, kind, entityPath, field, undefined, fieldValue(oldRec, raw, undefined), fieldValue(newRec, raw, undefined), local));
          }
        }
      }
      continue;
    }
    if (created.has(ek)) continue;
    const raw = String(path[4]);
    const field = FIELD_OF[raw];
    if (!field) continue;
    const sub = raw === 'props' && path.length > 5 ? String(path[5]) : undefined;
    if (raw === 'props' && sub === undefined) continue;
    const fk = `${ek}\u0000${raw}\u0000${sub ?? ''}`;
    if (seen.has(fk)) continue;
    seen.add(fk);
    events.push(event(deployment, kind, entityPath, field, sub, fieldValue(oldRec, raw, sub), fieldValue(newRec, raw, sub), local));
  }
  return events;
}

function event(
  deployment: string,
  kind: EntityKind,
  path: string,
  field: ChangeField,
  property: string | undefined,
  oldValue: unknown,
  newValue: unknown,
  local: boolean,
): ChangeEvent {
  let id;
  try {
    id = parseEntityId(kind, path);
  } catch {
    id = { kind, directory: [], name: path };
  }
  return { deployment, id, kind, field, ...(property !== undefined ? { property } : {}), old: oldValue, new: newValue, local };
}
