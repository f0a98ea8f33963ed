/** The Deployment facade: validated typed reads and batched writes over one deployment document. */
import type { DocHandle } from '@automerge/automerge-repo';
import * as A from '@automerge/automerge';
import type { KhutulunError, Logger } from '../common/index.js';
import { storeError } from './errors.js';
import { checkEntityId, formatEntityId, parseEntityId } from './ids.js';
import type { DeploymentName, EntityId, EntityKind, HostId } from './ids.js';
import { str } from './doc-schema.js';
import type { DeploymentDoc } from './doc-schema.js';
import type { DocBackend } from './doc-backend.js';
import { ReadView } from './read-view.js';
import type { DecodeCache } from './read-view.js';
import { WriteQueue, parseChangeMessage } from './write-queue.js';
import * as ops from './write-ops.js';
import { buildRecord, resolveId } from './record-builder.js';
import type { IdContext } from './record-builder.js';
import { encodeHandlers, encodeMetadata, encodeStatus, normaliseProperty, decodeProperty } from './entity-codec.js';
import { deriveEvents } from './change-events.js';
import type { Expression, FunctionRegistry } from './expression/index.js';
import { validateExpression, encodeExpression } from './expression/index.js';
import type { Deployment, DispatchResult, InstantiateOptions, InstantiationResult, PropagationFlags, Query } from './api.js';
import type { EntityByKind, EntityPatch, InputByKind, Property, PropertyInput, VertexStatus } from './entities.js';
import type { ChangeListener, HistoryEntry } from './events.js';
import { updateProperties } from './update-properties.js';
import { dispatchEvent } from './dispatch.js';
import { instantiateTemplate } from './instantiate.js';
import { historyIndex } from './history.js';

export const SERVICE_VERTEX = '_floria/service';

export interface DeploymentContext extends IdContext {
  readonly hostId: HostId;
  readonly functions: FunctionRegistry;
  readonly logger?: Logger;
  /** See StoreOptions.onLocalChange. */
  readonly onLocalChange?: (handle: DocHandle<unknown>) => void;
}

/** Every entity's history, for one document version (heads). */
interface HistoryCache {
  heads: string;
  index: Map<string, HistoryEntry[]>;
}

export class DeploymentImpl implements Deployment {
  readonly name: DeploymentName;
  readonly url: string;
  readonly serviceVertex = SERVICE_VERTEX;
  readonly functions: FunctionRegistry;
  readonly ctx: DeploymentContext;
  readonly #backend: DocBackend<DeploymentDoc>;
  readonly #queue: WriteQueue<DeploymentDoc>;
  readonly #listeners = new Set<ChangeListener>();
  #view: ReadView | undefined;
  /** Decoded entities by record, shared by every version's view (read-view.ts says why). */
  readonly #decoded: DecodeCache = new WeakMap();
  /**
   * Status writes queued in this tick, by vertex: a later one replaces the text of the queued one
   * (transient lifecycle states coalesce into one operation per vertex per change).
   */
  readonly #queuedStatus = new Map<string, { text: string; done: Promise<void> }>();
  #history: HistoryCache | undefined;
  readonly #unsubscribe: () => void;

  constructor(name: DeploymentName, url: string, backend: DocBackend<DeploymentDoc>, ctx: DeploymentContext) {
    this.name = name;
    this.url = url;
    this.ctx = ctx;
    this.functions = ctx.functions;
    this.#backend = backend;
    this.#queue = new WriteQueue(backend, ctx.hostId, ctx.clock);
    this.#unsubscribe = backend.onChange((c) => {
      if (this.#listeners.size === 0) return;
      const events = deriveEvents(this.name, c.before, c.after, c.patches, c.local);
      if (events.length === 0) return;
      for (const l of this.#listeners) {
        try {
          l(events);
        } catch (e) {
          ctx.logger?.log('warn', 'change listener threw', { error: String(e) });
        }
      }
    });
  }

  /** The current view, with queued writes committed first (read-your-writes). */
  view(): ReadView {
    if (this.#queue.pending > 0) this.#queue.commit();
    const doc = this.#backend.doc();
    if (this.#view?.doc !== doc) this.#view = new ReadView(doc, this.#decoded);
    return this.#view;
  }

  #path(kind: EntityKind, p: string | EntityId): string {
    if (typeof p === 'string') return formatEntityId(parseEntityId(kind, p));
    const id = checkEntityId(p);
    if (id.kind !== kind) throw storeError('KH-STORE-011', `expected a ${kind} id, got a ${id.kind} id`);
    return formatEntityId(id);
  }

  get<K extends EntityKind>(kind: K, path: string | EntityId): EntityByKind[K] | undefined {
    return this.view().get(kind, this.#path(kind, path)) as EntityByKind[K] | undefined;
  }

  require<K extends EntityKind>(kind: K, path: string | EntityId): EntityByKind[K] {
    const e = this.get(kind, path);
    if (!e) throw storeError('KH-STORE-005', `${kind} ${typeof path === 'string' ? path : formatEntityId(path)} not found`, { hint: 'check the id, or list the entities' });
    return e;
  }

  list<K extends EntityKind>(kind: K): EntityByKind[K][] {
    return this.view().list(kind) as EntityByKind[K][];
  }

  query<K extends EntityKind>(query: Query & { readonly kind: K }): EntityByKind[K][] {
    return this.view().query(query) as EntityByKind[K][];
  }

  count(kind: EntityKind): number {
    return this.view().count(kind);
  }

  /** Runs validation synchronously; returns a rejected promise instead of throwing. */
  #write(prepare: () => { op: (d: DeploymentDoc) => ops.Touched; hint: ops.Touched; slot?: { done: Promise<void> } } | { coalesced: Promise<void> }): Promise<void> {
    let w;
    try {
      w = prepare();
    } catch (e) {
      return Promise.reject(e);
    }
    if ('coalesced' in w) return w.coalesced;
    const done = this.#queue.enqueue(w.op, w.hint);
    if (w.slot) w.slot.done = done;
    return done;
  }

  create<K extends EntityKind>(kind: K, input: InputByKind[K]): Promise<EntityByKind[K]> {
    let path: string;
    return this.#write(() => {
      const id = resolveId(kind, input?.id, input?.directory, this.ctx);
      path = formatEntityId(id);
      const { record, hint } = buildRecord(kind, input);
      return { op: (d) => ops.createRecord(d, kind, path, record), hint: hint(path) };
    }).then(() => {
      const e = this.get(kind, path);
      if (!e) throw storeError('KH-STORE-005', `${kind} ${path} vanished right after creation`, { retryable: true });
      return e;
    });
  }

  update(id: EntityId, patch: EntityPatch): Promise<void> {
    return this.#write(() => {
      const eid = checkEntityId(id);
      const path = formatEntityId(eid);
      const k = eid.kind;
      if (typeof patch !== 'object' || patch === null) throw storeError('KH-STORE-011', 'patch must be an object');
      const steps: ((d: DeploymentDoc) => ops.Touched)[] = [];
      const hint: ops.Touched = [];
      const key = ops.keyOf(k, path);
      if (patch.metadata !== undefined) {
        const m = encodeMetadata(patch.metadata);
        steps.push((d) => ops.setField(d, k, path, 'meta', m, 'metadata'));
        hint.push([key, 'metadata']);
      }
      if (patch.classIds !== undefined) {
        const c = patch.classIds;
        if (!Array.isArray(c) || !c.every((x) => typeof x === 'string' && x.length > 0)) throw storeError('KH-STORE-011', 'classIds must be a list of strings');
        steps.push((d) => ops.setClasses(d, k, path, c));
        hint.push([key, 'classIds']);
      }
      if (patch.handlers !== undefined) {
        const h = encodeHandlers(patch.handlers, 'handlers');
        steps.push((d) => ops.setField(d, k, path, 'hdl', h, 'handlers'));
        hint.push([key, 'handlers']);
      }
      if (patch.instantiationHandlers !== undefined) {
        const h = encodeHandlers(patch.instantiationHandlers, 'instantiationHandlers');
        steps.push((d) => ops.setField(d, k, path, 'ihdl', h, 'instantiationHandlers'));
        hint.push([key, 'instantiationHandlers']);
      }
      if (patch.url !== undefined) {
        if (typeof patch.url !== 'string' || patch.url.length === 0) throw storeError('KH-STORE-011', 'url must be a non-empty string');
        const u = patch.url;
        steps.push((d) => ops.setField(d, k, path, 'url', u, 'url'));
        hint.push([key, 'url']);
      }
      if (patch.precompiled !== undefined) {
        const p = patch.precompiled === true;
        steps.push((d) => ops.setField(d, k, path, 'pre', p, 'precompiled'));
        hint.push([key, 'precompiled']);
      }
      return {
        op: (d) => {
          ops.requireRecord(d, k, path);
          return steps.flatMap((s) => s(d));
        },
        hint,
      };
    });
  }

  delete(id: EntityId): Promise<void> {
    return this.#write(() => {
      const eid = checkEntityId(id);
      const path = formatEntityId(eid);
      return { op: (d) => ops.deleteRecord(d, eid.kind, path), hint: [[ops.keyOf(eid.kind, path), 'deleted']] };
    });
  }

  setProperty(id: EntityId, name: string, value: Expression): Promise<void> {
    return this.#write(() => {
      const eid = checkEntityId(id);
      const path = formatEntityId(eid);
      checkPropertyName(name);
      const v = validateExpression(value, `property ${name}`);
      return {
        op: (d) => ops.writeProperty(d, eid.kind, path, name, (old) => ({ ...(old ?? { metadata: {}, classIds: [], readOnly: false }), value: v }), 'checked'),
        hint: [[ops.keyOf(eid.kind, path), `property:${name}`]],
      };
    });
  }

  putProperty(id: EntityId, name: string, property: PropertyInput): Promise<void> {
    return this.#write(() => {
      const eid = checkEntityId(id);
      const path = formatEntityId(eid);
      checkPropertyName(name);
      const p = normaliseProperty(property, `property ${name}`);
      return { op: (d) => ops.writeProperty(d, eid.kind, path, name, p, 'checked'), hint: [[ops.keyOf(eid.kind, path), `property:${name}`]] };
    });
  }

  /**
   * Internal (update/prepare): writes a value only if the property still holds `expected`
   * (compare-and-set), ignoring readOnly, as Floria's prepare may normalise a set-once value.
   */
  casPropertyValue(id: EntityId, name: string, expected: Expression | undefined, value: Expression): Promise<void> {
    const path = formatEntityId(id);
    const expect = expected === undefined ? undefined : encodeExpression(expected);
    return this.#queue.enqueue(
      (d) =>
        ops.writeProperty(d, id.kind, path, name, (old) => {
          if (!old) return undefined;
          const cur = old.value === undefined ? undefined : encodeExpression(old.value);
          return cur === expect ? { ...old, value } : undefined;
        }, 'force'),
      [[ops.keyOf(id.kind, path), `property:${name}`]],
    );
  }

  replaceProperty(id: EntityId, name: string, property: PropertyInput | undefined): Promise<void> {
    return this.#write(() => {
      const eid = checkEntityId(id);
      const path = formatEntityId(eid);
      checkPropertyName(name);
      const p = property === undefined ? undefined : normaliseProperty(property, `property ${name}`);
      return {
        op: (d) => (p === undefined ? ops.forgetProperty(d, eid.kind, path, name) : ops.writeProperty(d, eid.kind, path, name, p, 'force')),
        hint: [[ops.keyOf(eid.kind, path), `property:${name}`]],
      };
    });
  }

  deleteProperty(id: EntityId, name: string): Promise<void> {
    return this.#write(() => {
      const eid = checkEntityId(id);
      const path = formatEntityId(eid);
      return { op: (d) => ops.deleteProperty(d, eid.kind, path, name), hint: [[ops.keyOf(eid.kind, path), `property:${name}`]] };
    });
  }

  getProperty(id: EntityId, name: string): Property | undefined {
    const eid = checkEntityId(id);
    const rec = this.view().visibleRecord(eid.kind, formatEntityId(eid));
    const text = str(rec?.props?.[name]);
    return text === undefined ? undefined : decodeProperty(text);
  }

  setOwner(vertex: string | EntityId, host: string | undefined): Promise<void> {
    return this.#write(() => {
      const path = this.#path('vertex', vertex);
      if (host !== undefined && (typeof host !== 'string' || host.length === 0)) throw storeError('KH-STORE-004', 'owner must be a host id or undefined');
      return { op: (d) => ops.setField(d, 'vertex', path, 'owner', host, 'owner'), hint: [[ops.keyOf('vertex', path), 'owner']] };
    });
  }

  setStatus(vertex: string | EntityId, status: Omit<VertexStatus, 'at'> & { readonly at?: number }): Promise<void> {
    return this.#write(() => {
      const path = this.#path('vertex', vertex);
      if (typeof status !== 'object' || status === null || typeof status.state !== 'string' || status.state.length === 0) {
        throw storeError('KH-STORE-011', 'status needs a non-empty state string');
      }
      const full: VertexStatus = { ...status, at: status.at ?? this.ctx.clock.now() };
      const slot = { text: encodeStatus(full), done: Promise.resolve() };
      const queued = this.#queuedStatus.get(path);
      if (queued) {
        queued.text = slot.text;
        return { coalesced: queued.done };
      }
      this.#queuedStatus.set(path, slot);
      return {
        op: (d) => {
          if (this.#queuedStatus.get(path) === slot) this.#queuedStatus.delete(path);
          const rec = ops.requireRecord(d, 'vertex', path);
          if (str(rec.owner) !== this.ctx.hostId) {
            throw storeError('KH-STORE-023', `host ${this.ctx.hostId} does not own vertex ${path} (owner: ${str(rec.owner) ?? 'none'})`, {
              hint: 'observed state is written only by the owning host; the scheduler sets the owner',
            });
          }
          return ops.setField(d, 'vertex', path, 'status', slot.text, 'status');
        },
        hint: [[ops.keyOf('vertex', path), 'status']],
        slot,
      };
    });
  }

  updateProperties(id: EntityId): Promise<readonly KhutulunError[]> {
    return updateProperties(this, checkEntityId(id));
  }

  dispatch(event: string, entity: EntityId, flags: PropagationFlags = {}): Promise<DispatchResult> {
    return dispatchEvent(this, event, checkEntityId(entity), flags);
  }

  instantiate(template: string | EntityId, options: InstantiateOptions = {}): Promise<InstantiationResult> {
    try {
      return instantiateTemplate(this, this.#path('vertex-template', template), options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The history of every entity, built once per document version (store/history.ts). */
  #index(): Map<string, HistoryEntry[]> {
    const doc = this.view().doc;
    const heads = A.getHeads(doc).join(',');
    if (this.#history?.heads !== heads) {
      // getAllChanges lists changes in causal order.
      const changes = A.getAllChanges(doc).map((bytes) => A.decodeChange(bytes));
      this.#history = { heads, index: historyIndex(changes, (c) => {
        const m = parseChangeMessage(c.message);
        return m ? { h: m.h, at: m.at ?? c.time * 1000, t: m.t } : undefined;
      }) };
    }
    return this.#history.index;
  }

  history(id: EntityId): HistoryEntry[] {
    const eid = checkEntityId(id);
    return [...(this.#index().get(ops.keyOf(eid.kind, formatEntityId(eid))) ?? [])].sort((a, b) => a.at - b.at || a.actor.localeCompare(b.actor) || a.seq - b.seq);
  }

  historyIds(kind: EntityKind): EntityId[] {
    const prefix = `${kind}:`;
    return [...this.#index().keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => parseEntityId(kind, k.slice(prefix.length)));
  }

  flush(): Promise<void> {
    this.#queue.commit();
    return Promise.resolve();
  }

  close(): void {
    this.#queue.close();
    this.#unsubscribe();
    this.#listeners.clear();
  }
}

function checkPropertyName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) {
    throw storeError('KH-STORE-011', `bad property name ${JSON.stringify(name)}`, { hint: 'use a non-empty string up to 512 characters' });
  }
}
