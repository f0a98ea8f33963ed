/** An in-memory ActorStorePort for fast unit tests and benchmarks (a fake, not the real store). */
import type { JsonValue } from '../../plugins/effects.js';
import { ActorErrorCode, actorError } from '../errors.js';
import type { ActorStorePort, EdgeView, GraphView, StoredStatus, VertexView } from '../ports.js';

export class MemoryActorStore implements ActorStorePort {
  readonly #graphs = new Map<string, GraphView>();
  /** deployment -> vertex id -> the stored vertex (writes are O(1), not a scan). */
  readonly #index = new Map<string, Map<string, VertexView>>();
  /** Status writes in order (for assertions). */
  statusWrites = 0;

  /** Adds or replaces a deployment (the graph is copied). */
  put(deployment: string, graph: { vertexes: VertexView[]; edges: EdgeView[] }): void {
    const copy = structuredClone(graph);
    this.#graphs.set(deployment, copy);
    this.#index.set(deployment, new Map(copy.vertexes.map((v) => [v.id, v])));
  }

  async deployments(): Promise<string[]> {
    return [...this.#graphs.keys()];
  }

  async load(deployment: string): Promise<GraphView> {
    const graph = this.#graphs.get(deployment);
    if (!graph) throw actorError(ActorErrorCode.unknownDeployment, `no deployment ${JSON.stringify(deployment)}`, { hint: 'create it in the store first' });
    return { vertexes: graph.vertexes.map((v) => ({ ...v })), edges: graph.edges.map((e) => ({ ...e })) };
  }

  async writeStatus(deployment: string, vertex: string, status: StoredStatus): Promise<void> {
    this.statusWrites++;
    const v = this.#vertex(deployment, vertex);
    v.status = status;
  }

  async setProperty(deployment: string, vertex: string, name: string, value: JsonValue): Promise<void> {
    const v = this.#vertex(deployment, vertex);
    v.properties = { ...v.properties, [name]: value };
  }

  async removeVertex(deployment: string, vertex: string): Promise<void> {
    const graph = this.#graphs.get(deployment);
    if (!graph) return;
    graph.vertexes = graph.vertexes.filter((v) => v.id !== vertex);
    graph.edges = graph.edges.filter((e) => e.source !== vertex && e.target !== vertex);
    this.#index.get(deployment)?.delete(vertex);
  }

  status(deployment: string, vertex: string): StoredStatus | undefined {
    return this.#index.get(deployment)?.get(vertex)?.status;
  }

  async close(): Promise<void> {}

  #vertex(deployment: string, vertex: string): VertexView {
    const v = this.#index.get(deployment)?.get(vertex);
    if (!v) throw actorError(ActorErrorCode.unknownDeployment, `no vertex ${deployment}/${vertex}`, { hint: 'load the deployment again' });
    return v;
  }
}
