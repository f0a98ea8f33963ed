/**
 * The ActorStorePort over the real store (store/: Floria in Automerge). Vertex status carries the
 * lifecycle phase in `state` and the actor's full restorable state in `observed.actor`. Status
 * writes are batched by the store into one change per tick; with `durable` (default) a write also
 * waits for the store's flush to disk, one flush shared by every write of the tick.
 */
import type { JsonValue } from '../../plugins/effects.js';
import type { Deployment, Store } from '../../store/index.js';
import { decodeExpression, formatEntityId, fromJson, parseEntityId, readControl, toJson } from '../../store/index.js';
import type { Edge, Vertex } from '../../store/index.js';
import type { ActorState } from '../logic/index.js';
import type { ActorStorePort, EdgeView, GraphView, PolicyView, StoredStatus, TriggerView, VertexView } from '../ports.js';

export interface FloriaActorStoreOptions {
  /** Wait for the store to save to disk before a status write resolves (default true). */
  durable?: boolean;
  /**
   * Which deployments `deployments()` lists (the ones resumed at start). Default all; in a cluster
   * only those this host has a role in: others' documents may not even be here.
   */
  resume?: (deployment: string) => boolean;
}

export class FloriaActorStore implements ActorStorePort {
  readonly #store: Store;
  readonly #durable: boolean;
  readonly #resume: ((deployment: string) => boolean) | undefined;
  #flushing: Promise<void> | undefined;
  /** Vertexes known to be owned by this host (from load or a claim): no read on the write path. */
  readonly #owned = new Map<string, Set<string>>();
  /**
   * Views by store entity: the store hands out the same entity object while its record is
   * unchanged, so a reload converts only what changed. Copies go out (DeploymentGraph notes
   * statuses and properties on its views).
   */
  readonly #vertexViews = new WeakMap<Vertex, VertexView>();
  readonly #edgeViews = new WeakMap<Edge, EdgeView>();

  constructor(store: Store, options: FloriaActorStoreOptions = {}) {
    this.#store = store;
    this.#durable = options.durable ?? true;
    this.#resume = options.resume;
  }

  async deployments(): Promise<string[]> {
    const names = this.#store.listDeployments().map((d) => d.name as string);
    return this.#resume ? names.filter(this.#resume) : names;
  }

  async load(deployment: string): Promise<GraphView> {
    const dep = await this.#deployment(deployment);
    const self = this.#store.hostId as string;
    // The service vertex holds inputs, outputs and the request: it has no lifecycle, no owner and
    // no actor (every host would otherwise claim it).
    const vertexes: VertexView[] = [];
    for (const v of dep.list('vertex')) {
      let view = this.#vertexViews.get(v);
      if (!view) {
        if (formatEntityId(v.id) === dep.serviceVertex) continue;
        this.#vertexViews.set(v, (view = vertexView(v, self)));
      }
      vertexes.push({ ...view });
    }
    this.#owned.set(deployment, new Set(vertexes.filter((v) => v.owner === this.#store.hostId).map((v) => v.id)));
    const edges: EdgeView[] = [];
    for (const e of dep.list('edge')) {
      let view = this.#edgeViews.get(e);
      if (!view) this.#edgeViews.set(e, (view = edgeView(e)));
      edges.push({ ...view });
    }
    const policies = policyViews(dep);
    return { vertexes, edges, ...(policies.length > 0 ? { policies } : {}) };
  }

  async writeStatus(deployment: string, vertex: string, status: StoredStatus): Promise<void> {
    const dep = await this.#deployment(deployment);
    // JSON round trip: Automerge refuses undefined fields, the actor state may hold some.
    const actor = status.actor ? packActor(status.actor) : undefined;
    let owned = this.#owned.get(deployment);
    if (!owned) this.#owned.set(deployment, (owned = new Set()));
    if (!owned.has(vertex)) {
      // Actors run only for vertexes owned here or not placed yet. The store lets only the owner
      // write status, so this host claims an unplaced vertex first (same tick, same change).
      // No dep.get() here: a read commits the queued writes, which would cost one change per write.
      void dep.setOwner(vertex, this.#store.hostId);
      owned.add(vertex);
    }
    const write = dep.setStatus(vertex, {
      state: status.state,
      at: status.at,
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      ...(status.error ? { error: JSON.parse(JSON.stringify(status.error)) } : {}),
      // The writer is kept with the actor state: after a handover the new owner starts afresh.
      ...(actor !== undefined ? { observed: { actor, host: this.#store.hostId } } : {}),
    });
    await write;
    if (this.#durable) await this.#flush();
  }

  async setProperty(deployment: string, vertex: string, name: string, value: JsonValue): Promise<void> {
    const dep = await this.#deployment(deployment);
    await dep.setProperty(parseEntityId('vertex', vertex), name, fromJson(value));
  }

  async removeVertex(deployment: string, vertex: string): Promise<void> {
    const dep = await this.#deployment(deployment);
    if (!dep.get('vertex', vertex)) return;
    await dep.delete(parseEntityId('vertex', vertex));
    this.#owned.get(deployment)?.delete(vertex);
    await dep.flush();
  }

  async close(): Promise<void> {
    await this.#flushing;
  }

  #deployment(name: string): Promise<Deployment> {
    // The store caches open deployments and notices a name re-created as another document.
    return this.#store.openDeployment(name);
  }

  /** One store flush for all the writes of a tick. */
  #flush(): Promise<void> {
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#store.flush())
      .finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }
}

/**
 * The actor state without what the status already holds (phase = state, reason, at, error): every
 * field is an Automerge operation per write. Undefined fields are dropped (Automerge refuses them).
 */
function packActor(actor: ActorState): JsonValue {
  const packed: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(actor)) {
    if (value === undefined || key === 'phase' || key === 'reason' || key === 'at' || key === 'error') continue;
    packed[key] = JSON.parse(JSON.stringify(value)) as JsonValue;
  }
  return packed;
}

function unpackActor(packed: Record<string, unknown>, status: NonNullable<Vertex['status']>): ActorState {
  return {
    ...(packed as unknown as Omit<ActorState, 'phase' | 'reason' | 'at'>),
    phase: status.state as ActorState['phase'],
    reason: status.reason ?? '',
    at: status.at,
    ...(status.error ? { error: status.error } : {}),
  };
}

function handlers(h: Vertex['handlers']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [event, list] of Object.entries(h)) out[event] = list.map((x) => x.fn);
  return out;
}

function properties(p: Vertex['properties']): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [name, prop] of Object.entries(p)) if (prop.value !== undefined) out[name] = toJson(prop.value) as JsonValue;
  return out;
}

function vertexView(v: Vertex, self: string): VertexView {
  const observed = v.status?.observed as { actor?: Record<string, unknown>; host?: string } | undefined;
  // Another host's actor state says nothing about what runs HERE (ownership moved): start afresh.
  const foreign = observed?.host !== undefined && observed.host !== self;
  const status: StoredStatus | undefined = v.status
    ? {
        state: v.status.state,
        at: v.status.at,
        ...(v.status.reason !== undefined ? { reason: v.status.reason } : {}),
        ...(v.status.error ? { error: v.status.error } : {}),
        ...(observed?.actor && !foreign && typeof observed.actor.stable === 'string' ? { actor: unpackActor(observed.actor, v.status) } : {}),
      }
    : undefined;
  return {
    id: formatEntityId(v.id),
    ...(v.origin !== undefined ? { template: v.origin } : {}),
    classes: [...v.classIds],
    properties: properties(v.properties),
    handlers: handlers(v.handlers),
    ...(v.owner !== undefined ? { owner: v.owner } : {}),
    ...(status ? { status } : {}),
    control: readControl(v.metadata),
    ...(typeof observed?.actor?.['generation'] === 'number' ? { observedGeneration: observed.actor['generation'] } : {}),
  };
}

function edgeView(e: Edge): EdgeView {
  return {
    id: formatEntityId(e.id),
    // The requirement name when TOSCA made the edge (plugins build e.g. DATABASE_PORT from it).
    name: typeof e.metadata['tosca:requirement'] === 'string' ? e.metadata['tosca:requirement'] : (e.origin ?? e.id.name),
    source: e.source,
    target: e.target,
    classes: [...e.classIds],
    properties: properties(e.properties),
    handlers: handlers(e.handlers),
  };
}

/**
 * The service's policies with triggers (`policy:NAME` on the service vertex, triggers encoded by
 * the TOSCA compiler as JSON with expression-encoded inputs), with their targets resolved to
 * vertexes: node templates directly, groups through their members.
 */
function policyViews(dep: Deployment): PolicyView[] {
  const service = dep.get('vertex', dep.serviceVertex);
  if (!service) return [];
  const groups = new Map<string, string[]>();
  const out: PolicyView[] = [];
  for (const [name, p] of Object.entries(service.properties)) {
    if (name.startsWith('group:') && p.value !== undefined) {
      const members = (toJson(p.value) as { members?: unknown } | null)?.members;
      groups.set(name.slice(6), Array.isArray(members) ? members.map(String) : []);
    }
  }
  for (const [name, p] of Object.entries(service.properties)) {
    if (!name.startsWith('policy:') || p.value === undefined) continue;
    const policy = toJson(p.value) as { targets?: unknown; triggers?: unknown } | null;
    if (typeof policy?.triggers !== 'string') continue;
    const triggers = parseTriggers(policy.triggers);
    if (triggers.length === 0) continue;
    const targets = new Set((Array.isArray(policy.targets) ? policy.targets.map(String) : []).flatMap((t) => groups.get(t) ?? [t]));
    const vertexes = dep
      .query({ kind: 'vertex', directory: ['nodes'] })
      .filter((v) => targets.has(String(v.metadata['tosca:template'] ?? '')))
      .map((v) => formatEntityId(v.id));
    out.push({ name: name.slice(7), vertexes, triggers });
  }
  return out;
}

function parseTriggers(text: string): TriggerView[] {
  try {
    const raw = JSON.parse(text) as { triggers?: { name: string; event: string; condition: boolean; actions: { kind: TriggerView['actions'][number]['kind']; name: string; inputs: Record<string, string> }[] }[] };
    return (raw.triggers ?? []).map((t) => ({
      name: t.name,
      event: t.event,
      condition: t.condition,
      actions: t.actions.map((a) => ({ kind: a.kind, name: a.name, inputs: Object.fromEntries(Object.entries(a.inputs).map(([k, e]) => [k, toJson(decodeExpression(e)) as JsonValue])) })),
    }));
  } catch {
    return []; // written by the compiler: unreadable means another version, and no trigger runs
  }
}
