/**
 * The typed API every other layer uses. Nothing outside store/ touches Automerge.
 * Writes are queued and committed in ONE Automerge change per document per tick; the returned
 * promise resolves once the change is applied ("committed") and rejects with a coded error if this
 * write was refused (then it left the document unchanged). Reads see queued writes.
 */
import type { DocHandle, NetworkAdapterInterface, PeerId, DocumentId, Repo } from '@automerge/automerge-repo';
import type { Clock, Random, Logger } from '../common/index.js';
import type { KhutulunError } from '../common/index.js';
import type { EntityId, EntityKind, DeploymentName, HostId } from './ids.js';
import type { Expression, FunctionRegistry } from './expression/index.js';
import type {
  Entity,
  EntityByKind,
  InputByKind,
  EntityPatch,
  Property,
  PropertyInput,
  VertexStatus,
  Vertex,
  Edge,
} from './entities.js';
import type { ChangeListener, HistoryEntry, ClusterChangeListener } from './events.js';

/** Decides whether a document is announced/shared with a peer (automerge-repo's share policy). */
export type SharePolicy = (peerId: PeerId, documentId?: DocumentId) => Promise<boolean>;

export interface StoreOptions {
  /** Directory for NodeFS persistence; omit for a purely in-memory store (tests, embedded demo). */
  readonly dir?: string;
  readonly hostId: string;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  /** Network adapters (e.g. WebSocket server/client from the agent layer). Default: none. */
  readonly network?: readonly NetworkAdapterInterface[];
  /** Default: share only documents this store knows about (cluster doc + indexed deployments). */
  readonly sharePolicy?: SharePolicy;
  /** Join an existing cluster by its cluster document URL instead of creating one. */
  readonly clusterUrl?: string;
  /** Functions for evaluation; default: a registry with the floria built-ins. */
  readonly functions?: FunctionRegistry;
  /** Timeout (ms) when fetching a document from peers. Default 30 000. */
  readonly findTimeoutMs?: number;
  /**
   * A Repo owned by the caller (the agent's: its storage, network and share policy). The store
   * then neither creates one nor shuts it down; `dir`, `network` and `sharePolicy` are ignored.
   */
  readonly repo?: Repo;
  /**
   * With `repo`: the cluster document is the one every host derives from this name (see
   * openSharedClusterDoc), instead of `clusterUrl` or a new one.
   */
  readonly clusterName?: string;
  /**
   * Called after every local change of a document this store writes (one per tick per document),
   * e.g. to push it to peers without waiting for automerge-repo's sync throttle.
   */
  readonly onLocalChange?: (handle: DocHandle<unknown>) => void;
}

export interface DeploymentInfo {
  readonly name: DeploymentName;
  readonly url: string;
  readonly createdAt: number;
}

export interface HostInfo {
  readonly id: HostId;
  readonly name: string;
  readonly addresses: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Readonly<Record<string, number>>;
  /** ms since epoch (writer's clock). */
  readonly lastSeen: number;
}

export interface PluginInfo {
  readonly id: string;
  /** Where the component is: for a plugin shipped with a service, its blob document's URL. */
  readonly url: string;
  readonly precompiled: boolean;
  /** `sha256:<hex>` of the component bytes. */
  readonly digest?: string;
  /** The name handlers use (`<name>:<function>`) and the version the template gave. */
  readonly name?: string;
  readonly version?: string;
  /** The WIT world the component implements, e.g. `khutulun:plugin/plugin@0.1.0`. */
  readonly world?: string;
  /** Capabilities beyond the world it asks for (checked against the cluster's policy). */
  readonly grants?: readonly string[];
  readonly size?: number;
  /** Deployments that use it; an entry no deployment uses is collected. */
  readonly deployments?: readonly string[];
}

/** The small cluster document: hosts, the deployment index and the plugin registry. */
export interface Cluster {
  readonly url: string;
  hosts(): HostInfo[];
  host(id: string): HostInfo | undefined;
  /** Creates or merges a host entry (only given fields change). */
  upsertHost(host: Partial<Omit<HostInfo, 'id'>> & { readonly id: string }): Promise<void>;
  /** Sets lastSeen to the injected clock's now. */
  touchHost(id: string): Promise<void>;
  removeHost(id: string): Promise<void>;
  deployments(): DeploymentInfo[];
  plugins(): PluginInfo[];
  registerPlugin(plugin: PluginInfo): Promise<void>;
  unregisterPlugin(id: string): Promise<void>;
  subscribe(listener: ClusterChangeListener): () => void;
  flush(): Promise<void>;
}

/** Query filters; all given filters must match. */
export interface Query {
  readonly kind: EntityKind;
  readonly classId?: string;
  /** Entities whose directory starts with this prefix. */
  readonly directory?: readonly string[];
  /** Exact directory match instead of prefix. */
  readonly exactDirectory?: boolean;
  /** Entities with this property; with `equals`, whose value equals it (structurally). */
  readonly property?: { readonly name: string; readonly equals?: Expression };
  readonly owner?: string;
}

export interface PropagationFlags {
  readonly containing?: boolean;
  readonly contained?: boolean;
  readonly incoming?: boolean;
  readonly outgoing?: boolean;
  /** For edges: continue to the source vertex. */
  readonly edgeSource?: boolean;
  /** For edges: continue to the target vertex. */
  readonly edgeTarget?: boolean;
}

export interface DispatchResult {
  /** Entities the event reached, in visiting order. */
  readonly visited: readonly EntityId[];
  /** Every handler result, in order. */
  readonly results: readonly { readonly entity: EntityId; readonly fn: string; readonly value: Expression }[];
  readonly errors: readonly KhutulunError[];
}

export interface InstantiateOptions {
  /** Directory for the new vertexes (default: the template's directory). */
  readonly directory?: readonly string[];
  /** Explicit name for the top vertex (default: generated). */
  readonly name?: string;
  /** Containing vertex for the top vertex. */
  readonly containing?: string;
}

export interface InstantiationResult {
  readonly vertexes: readonly Vertex[];
  readonly edges: readonly Edge[];
  readonly errors: readonly KhutulunError[];
}

export interface Deployment {
  readonly name: DeploymentName;
  readonly url: string;
  /** Path of the service vertex that holds `input:<name>` / `output:<name>` properties. */
  readonly serviceVertex: string;
  readonly functions: FunctionRegistry;

  get<K extends EntityKind>(kind: K, path: string | EntityId): EntityByKind[K] | undefined;
  /** Like get, but KH-STORE-005 when absent. */
  require<K extends EntityKind>(kind: K, path: string | EntityId): EntityByKind[K];
  list<K extends EntityKind>(kind: K): EntityByKind[K][];
  query<K extends EntityKind>(query: Query & { readonly kind: K }): EntityByKind[K][];
  count(kind: EntityKind): number;

  create<K extends EntityKind>(kind: K, input: InputByKind[K]): Promise<EntityByKind[K]>;
  update(id: EntityId, patch: EntityPatch): Promise<void>;
  /** Deletes; a vertex takes its edges and contained vertexes with it. */
  delete(id: EntityId): Promise<void>;
  /** Writes a property's value (keeps its other fields). readOnly with a value -> KH-STORE-012. */
  setProperty(id: EntityId, name: string, value: Expression): Promise<void>;
  /** Replaces a whole property (definition + value). readOnly with a value -> KH-STORE-012. */
  putProperty(id: EntityId, name: string, property: PropertyInput): Promise<void>;
  deleteProperty(id: EntityId, name: string): Promise<void>;
  /**
   * Day 2: a new version of the template replaces a property's definition and value, read-only
   * (TOSCA property) or not. Only the deployment's desired-state writer (an update) calls this.
   */
  replaceProperty(id: EntityId, name: string, property: PropertyInput | undefined): Promise<void>;
  getProperty(id: EntityId, name: string): Property | undefined;
  setOwner(vertex: string | EntityId, host: string | undefined): Promise<void>;
  /** Only the owning host (this store's hostId == vertex.owner) may write; else KH-STORE-023. */
  setStatus(vertex: string | EntityId, status: Omit<VertexStatus, 'at'> & { readonly at?: number }): Promise<void>;

  /** Floria update + prepare on every property of the entity (evaluates, writes changed values). */
  updateProperties(id: EntityId): Promise<readonly KhutulunError[]>;
  dispatch(event: string, entity: EntityId, flags?: PropagationFlags): Promise<DispatchResult>;
  instantiate(template: string | EntityId, options?: InstantiateOptions): Promise<InstantiationResult>;

  subscribe(listener: ChangeListener): () => void;
  history(id: EntityId): HistoryEntry[];
  /** Every entity of `kind` any change touched, deleted ones included (for their history). */
  historyIds(kind: EntityKind): EntityId[];
  /** Commits queued writes now. */
  flush(): Promise<void>;
}

export interface Store {
  readonly hostId: HostId;
  readonly clock: Clock;
  readonly cluster: Cluster;
  readonly functions: FunctionRegistry;
  createDeployment(name: string): Promise<Deployment>;
  listDeployments(): DeploymentInfo[];
  openDeployment(name: string): Promise<Deployment>;
  deleteDeployment(name: string): Promise<void>;
  /** Commits every queued write and waits until storage has saved it. */
  flush(): Promise<void>;
  /** Flushes, saves and releases everything; later calls reject with KH-STORE-013. */
  close(): Promise<void>;
}

export type { Entity };
