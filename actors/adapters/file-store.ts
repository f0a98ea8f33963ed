/**
 * An ActorStorePort kept in one JSON file: writes of one tick are batched into one atomic rewrite
 * (temp file + fsync + rename), and a write resolves only once it is on disk. For crash tests and
 * single-host demos until every caller uses the Automerge store (FloriaActorStore).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { JsonValue } from '../../plugins/effects.js';
import { ActorErrorCode, actorError } from '../errors.js';
import type { ActorStorePort, GraphView, StoredStatus, VertexView } from '../ports.js';

type FileShape = Record<string, GraphView>;

export class FileActorStore implements ActorStorePort {
  readonly #path: string;
  #data: FileShape;
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #scheduled = false;

  constructor(path: string) {
    this.#path = path;
    this.#data = existsSync(path) ? FileActorStore.#read(path) : {};
  }

  static #read(path: string): FileShape {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as FileShape;
    } catch (error) {
      throw actorError(ActorErrorCode.statusWrite, `cannot read the actor store ${path}: ${(error as Error).message}`, {
        hint: 'the file is not valid JSON: restore it from a backup or remove it to start empty',
        cause: error,
      });
    }
  }

  /** Adds or replaces a deployment and saves at once. */
  async put(deployment: string, graph: GraphView): Promise<void> {
    this.#data[deployment] = structuredClone(graph);
    await this.#save();
  }

  async deployments(): Promise<string[]> {
    return Object.keys(this.#data);
  }

  async load(deployment: string): Promise<GraphView> {
    const graph = this.#data[deployment];
    if (!graph) throw actorError(ActorErrorCode.unknownDeployment, `no deployment ${JSON.stringify(deployment)} in ${this.#path}`, { hint: 'create it first' });
    return structuredClone(graph);
  }

  async writeStatus(deployment: string, vertex: string, status: StoredStatus): Promise<void> {
    this.#vertex(deployment, vertex).status = status;
    return this.#save();
  }

  async setProperty(deployment: string, vertex: string, name: string, value: JsonValue): Promise<void> {
    const v = this.#vertex(deployment, vertex);
    v.properties = { ...v.properties, [name]: value };
    return this.#save();
  }

  async removeVertex(deployment: string, vertex: string): Promise<void> {
    const graph = this.#data[deployment];
    if (!graph) return;
    graph.vertexes = graph.vertexes.filter((v) => v.id !== vertex);
    graph.edges = graph.edges.filter((e) => e.source !== vertex && e.target !== vertex);
    return this.#save();
  }

  async close(): Promise<void> {
    if (this.#scheduled) await new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #vertex(deployment: string, vertex: string): VertexView {
    const v = this.#data[deployment]?.vertexes.find((x) => x.id === vertex);
    if (!v) throw actorError(ActorErrorCode.unknownDeployment, `no vertex ${deployment}/${vertex}`, { hint: 'load the deployment again' });
    return v;
  }

  /** One rewrite per tick for every write made in it. */
  #save(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        const waiters = this.#waiters;
        this.#waiters = [];
        try {
          const tmp = `${this.#path}.tmp`;
          const fd = openSync(tmp, 'w');
          try {
            writeSync(fd, JSON.stringify(this.#data));
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          renameSync(tmp, this.#path);
          for (const w of waiters) w.resolve();
        } catch (error) {
          const coded = actorError(ActorErrorCode.statusWrite, `cannot save ${this.#path}: ${(error as Error).message}`, { retryable: true, hint: 'check disk space and permissions', cause: error });
          for (const w of waiters) w.reject(coded);
        }
      });
    });
  }
}
