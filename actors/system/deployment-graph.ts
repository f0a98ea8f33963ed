/** An indexed, read-only view of one deployment's graph, with the operation steps of each vertex. */
import type { JsonValue } from '../../plugins/effects.js';
import type { EdgeSnapshot, VertexSnapshot } from '../../plugins/host/index.js';
import type { Operation } from '../logic/index.js';
import { OPERATION_EVENT } from '../logic/index.js';
import type { EdgeView, GraphView, PolicyView, StoredStatus, VertexView } from '../ports.js';

/** One handler call of an operation, on the vertex it runs for. */
export interface OperationStep {
  /** The event name the plugin receives, e.g. `Standard.start`, `Configure.add_target`. */
  event: string;
  /** `<plugin-id>:<function>`. */
  handler: string;
  /** The vertex the call runs for (the call site; effects default to it). */
  vertex: string;
  /** The relationship edge, for Configure.* steps. */
  edge?: string;
  /** Inputs of an imperative run (`khutulun run --input`), as `event.payload.inputs`. */
  inputs?: Record<string, JsonValue>;
}

/** Relationship (Configure interface) events, run in the lifecycle of the SOURCE vertex. */
const REL_BEFORE: Partial<Record<Operation, ReadonlyArray<readonly [string, 'source' | 'target']>>> = {
  configure: [
    ['Configure.pre_configure_source', 'source'],
    ['Configure.pre_configure_target', 'target'],
  ],
  stop: [
    ['Configure.remove_target', 'source'],
    ['Configure.remove_source', 'target'],
  ],
};
const REL_AFTER: Partial<Record<Operation, ReadonlyArray<readonly [string, 'source' | 'target']>>> = {
  configure: [
    ['Configure.post_configure_source', 'source'],
    ['Configure.post_configure_target', 'target'],
  ],
  start: [
    ['Configure.add_target', 'source'],
    ['Configure.add_source', 'target'],
  ],
};

export class DeploymentGraph {
  readonly name: string;
  readonly vertexes: ReadonlyMap<string, VertexView>;
  readonly edges: ReadonlyMap<string, EdgeView>;
  /** Policies with triggers, for events delivered to their targets. */
  readonly policies: readonly PolicyView[];
  readonly #out = new Map<string, EdgeView[]>();
  readonly #in = new Map<string, EdgeView[]>();
  /** vertex -> steps per operation (memoised on first use; edges sorted, so indexes are stable). */
  readonly #steps = new Map<string, Partial<Record<Operation, OperationStep[]>>>();

  constructor(name: string, view: GraphView) {
    this.name = name;
    this.vertexes = new Map(view.vertexes.map((v) => [v.id, v]));
    this.edges = new Map(view.edges.map((e) => [e.id, e]));
    this.policies = view.policies ?? [];
    // Sorted by id so step indexes are stable across restarts.
    for (const e of [...view.edges].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      push(this.#out, e.source, e);
      push(this.#in, e.target, e);
    }
  }

  outgoing(vertex: string): readonly EdgeView[] {
    return this.#out.get(vertex) ?? [];
  }

  incoming(vertex: string): readonly EdgeView[] {
    return this.#in.get(vertex) ?? [];
  }

  /** The ordered handler calls of `op` for a vertex (memoised; empty = nothing to do). */
  steps(vertex: string, op: Operation): readonly OperationStep[] {
    let perOp = this.#steps.get(vertex);
    if (!perOp) {
      perOp = {};
      this.#steps.set(vertex, perOp);
    }
    return (perOp[op] ??= this.#computeSteps(vertex, op));
  }

  stepCount(vertex: string, op: Operation): number {
    return this.steps(vertex, op).length;
  }

  #computeSteps(vertex: string, op: Operation): OperationStep[] {
    const v = this.vertexes.get(vertex);
    if (!v) return [];
    const steps: OperationStep[] = [];
    const rel = (table: typeof REL_BEFORE): void => {
      for (const [event, end] of table[op] ?? []) {
        for (const e of this.outgoing(vertex)) {
          for (const handler of e.handlers[event] ?? []) steps.push({ event, handler, vertex: end === 'source' ? e.source : e.target, edge: e.id });
        }
      }
    };
    rel(REL_BEFORE);
    const event = OPERATION_EVENT[op];
    for (const handler of v.handlers[event] ?? []) steps.push({ event, handler, vertex });
    rel(REL_AFTER);
    return steps;
  }

  /** The vertex with its edges and one-hop neighbours, as a plugin sees it. */
  snapshot(vertex: string): VertexSnapshot {
    const v = this.vertexes.get(vertex);
    const edges: EdgeSnapshot[] = [];
    for (const e of this.outgoing(vertex)) edges.push(edgeSnapshot(e, 'out', this.vertexes.get(e.target), e.target));
    for (const e of this.incoming(vertex)) edges.push(edgeSnapshot(e, 'in', this.vertexes.get(e.source), e.source));
    return {
      id: vertex,
      deployment: this.name,
      ...(v?.template !== undefined ? { template: v.template } : {}),
      classes: v?.classes ?? [],
      properties: v?.properties ?? {},
      ...(v?.status ? { status: v.status.state } : {}),
      ...(v?.owner !== undefined ? { owner: v.owner } : {}),
      edges,
    };
  }

  /** Records a status this host wrote so neighbours' snapshots see it. */
  noteStatus(vertex: string, status: StoredStatus): void {
    const v = this.vertexes.get(vertex);
    if (v) v.status = status;
  }

  /** Records a property written by a plugin effect so later snapshots see it. */
  noteProperty(vertex: string, name: string, value: JsonValue): void {
    const v = this.vertexes.get(vertex);
    if (v) v.properties = { ...v.properties, [name]: value };
  }
}

function edgeSnapshot(e: EdgeView, direction: 'out' | 'in', peer: VertexView | undefined, peerId: string): EdgeSnapshot {
  return {
    id: e.id,
    name: e.name,
    direction,
    classes: e.classes,
    properties: e.properties,
    peer: {
      id: peerId,
      ...(peer?.template !== undefined ? { template: peer.template } : {}),
      classes: peer?.classes ?? [],
      properties: peer?.properties ?? {},
      ...(peer?.status ? { status: peer.status.state } : {}),
    },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
