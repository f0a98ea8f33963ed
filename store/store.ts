/**
 * openStore: an automerge-repo Repo (NodeFS storage when `dir` is given; the caller's network
 * adapters and share policy), one cluster document, and one document per deployment.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Repo, parseAutomergeUrl } from '@automerge/automerge-repo';
import type { AutomergeUrl, DocHandle, DocumentId, PeerId } from '@automerge/automerge-repo';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';
import { asKhutulunError, corruptState, systemClock, systemRandom, writeFileAtomic } from '../common/index.js';
import type { Clock } from '../common/index.js';
import { storeError } from './errors.js';
import { parseDeploymentName, parseHostId } from './ids.js';
import type { HostId } from './ids.js';
import { SCHEMA_VERSION, initialClusterDoc, initialDeploymentDoc } from './doc-schema.js';
import type { ClusterDoc, DeploymentDoc } from './doc-schema.js';
import { handleBackend } from './doc-backend.js';
import { ClusterImpl } from './cluster.js';
import { DeploymentImpl } from './deployment.js';
import type { DeploymentContext } from './deployment.js';
import { createFunctionRegistry } from './expression/index.js';
import { compactStorage } from './compact.js';
import { openSharedClusterDoc } from './shared-cluster.js';
import type { FunctionRegistry } from './expression/index.js';
import type { Deployment, DeploymentInfo, Store, StoreOptions } from './api.js';

/** automerge-repo's DocSynchronizer.syncDebounceRate (pinned ~2.5.6). */
const AUTOMERGE_SYNC_THROTTLE_MS = 100;

const POINTER = 'cluster.json';

/**
 * The cluster document's URL, undefined when the store is new. A pointer that exists but cannot be
 * read is a coded error naming it: replacing it by a new, empty cluster document would forget
 * every deployment and orphan what they run.
 */
async function readPointer(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storeError('KH-STORE-014', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error, hint: 'check its permissions' });
  }
  const hint = `restore ${path} from a backup (it holds {"cluster": "automerge:..."}); deleting it starts an EMPTY cluster document and forgets every deployment`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corruptState(path, 'not JSON', hint, error);
  }
  const url = (parsed as { cluster?: unknown } | null)?.cluster;
  if (typeof url !== 'string' || !url.startsWith('automerge:')) throw corruptState(path, 'no "cluster" document URL', hint);
  try {
    parseAutomergeUrl(url as AutomergeUrl);
  } catch (error) {
    throw corruptState(path, `malformed document URL ${JSON.stringify(url)}`, hint, error);
  }
  return url;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (typeof options !== 'object' || options === null) throw storeError('KH-STORE-024', 'openStore needs options');
  const hostId = parseHostId(options.hostId);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const known = new Set<DocumentId>();
  let storage: NodeFSStorageAdapter | undefined;
  const shared = options.repo;
  if (options.dir !== undefined && !shared) {
    if (typeof options.dir !== 'string' || options.dir.length === 0) throw storeError('KH-STORE-024', 'dir must be a directory path');
    try {
      await mkdir(join(options.dir, 'automerge'), { recursive: true });
    } catch (cause) {
      throw storeError('KH-STORE-014', `cannot create store directory ${options.dir}`, { cause, hint: 'check the path and its permissions' });
    }
    storage = new NodeFSStorageAdapter(join(options.dir, 'automerge'));
  }
  const repo =
    shared ??
    new Repo({
      ...(storage ? { storage } : {}),
      network: [...(options.network ?? [])],
      peerId: `${hostId}-${random.hex(4)}` as PeerId,
      // Share only documents this store knows (the cluster doc, deployments it created or opened):
      // never relay arbitrary documents, which avoids sync storms between many peers.
      sharePolicy: options.sharePolicy ?? (async (_peer, documentId) => documentId !== undefined && known.has(documentId)),
    });
  const networked = shared !== undefined || (options.network ?? []).length > 0;
  const findTimeout = options.findTimeoutMs ?? 30_000;
  // A peer may not be connected yet, or may answer "unavailable" first: retry with backoff until
  // the deadline (bounded by findTimeoutMs).
  const find = async <T>(url: string): Promise<DocHandle<T>> => {
    const deadline = clock.now() + findTimeout;
    let lastError: unknown;
    // Known before asking, so the share policy lets the sync with peers for it proceed.
    try {
      known.add(parseAutomergeUrl(url as AutomergeUrl).documentId);
    } catch (cause) {
      throw storeError('KH-STORE-024', `malformed document URL ${url}`, { cause, hint: 'use the automerge:... URL from the deployment index' });
    }
    for (let attempt = 0; attempt < 1000; attempt++) {
      const left = deadline - clock.now();
      if (left <= 0) break;
      try {
        const h = await repo.find<T>(url as AutomergeUrl, { signal: AbortSignal.timeout(left) });
        known.add(h.documentId);
        return h;
      } catch (cause) {
        lastError = cause;
        if (!networked) break;
        await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 500)));
      }
    }
    throw storeError('KH-STORE-007', `document ${url} could not be loaded`, {
      cause: lastError instanceof Error ? lastError : new Error(String(lastError)),
      retryable: true,
      hint: 'check that a peer holding it is connected, or that the state directory is intact',
    });
  };

  let clusterHandle: DocHandle<ClusterDoc>;
  if (shared && options.clusterName !== undefined) {
    clusterHandle = await openSharedClusterDoc(shared, options.clusterName);
    known.add(clusterHandle.documentId);
  } else {
    let clusterUrl = options.clusterUrl;
    if (clusterUrl === undefined && options.dir !== undefined && !shared) {
      clusterUrl = await readPointer(join(options.dir, POINTER));
      // automerge-repo keeps its storage id under st/; any other entry is a stored document.
      const stored = (await readdir(join(options.dir, 'automerge')).catch(() => [] as string[])).filter((e) => e !== 'st');
      if (clusterUrl === undefined && stored.length > 0) {
        throw corruptState(
          join(options.dir, POINTER),
          'missing, while the store holds documents',
          `restore ${join(options.dir, POINTER)} from a backup; to really start over, move ${options.dir} away (its deployments are forgotten)`,
        );
      }
    }
    if (clusterUrl !== undefined) {
      clusterHandle = await find<ClusterDoc>(clusterUrl);
    } else {
      clusterHandle = repo.create<ClusterDoc>(initialClusterDoc());
      known.add(clusterHandle.documentId);
      if (options.dir !== undefined && !shared) {
        await repo.flush([clusterHandle.documentId]);
        writeFileAtomic(join(options.dir, POINTER), JSON.stringify({ cluster: clusterHandle.url }), 0o600);
      }
    }
  }
  const cluster = new ClusterImpl(clusterHandle.url, handleBackend(clusterHandle, options.onLocalChange), hostId, clock);
  const functions = options.functions ?? createFunctionRegistry();
  const ctx: DeploymentContext = { hostId, clock, random, functions, ...(options.logger ? { logger: options.logger } : {}), ...(options.onLocalChange ? { onLocalChange: options.onLocalChange } : {}) };
  return new StoreImpl(repo, cluster, ctx, find, known, options.dir === undefined || shared ? undefined : join(options.dir, 'automerge'), shared !== undefined);
}

class StoreImpl implements Store {
  readonly hostId: HostId;
  readonly clock: Clock;
  readonly cluster: ClusterImpl;
  readonly functions: FunctionRegistry;
  readonly #repo: Repo;
  readonly #ctx: DeploymentContext;
  readonly #find: <T>(url: string) => Promise<DocHandle<T>>;
  readonly #known: Set<DocumentId>;
  readonly #storageDir: string | undefined;
  /** The repo belongs to the caller: flush what we wrote, never shut it down. */
  readonly #sharedRepo: boolean;
  readonly #open = new Map<string, Promise<DeploymentImpl>>();
  /** The URL each open deployment was loaded from. */
  readonly #urls = new Map<string, string>();
  #closed = false;

  constructor(
    repo: Repo,
    cluster: ClusterImpl,
    ctx: DeploymentContext,
    find: <T>(url: string) => Promise<DocHandle<T>>,
    known: Set<DocumentId>,
    storageDir: string | undefined,
    sharedRepo: boolean,
  ) {
    this.#storageDir = storageDir;
    this.#sharedRepo = sharedRepo;
    this.#repo = repo;
    this.cluster = cluster;
    this.#ctx = ctx;
    this.hostId = ctx.hostId;
    this.clock = ctx.clock;
    this.functions = ctx.functions;
    this.#find = find;
    this.#known = known;
  }

  #check(): void {
    if (this.#closed) throw storeError('KH-STORE-013', 'the store is closed', { hint: 'open the store again' });
  }

  async createDeployment(name: string): Promise<Deployment> {
    this.#check();
    const n = parseDeploymentName(name);
    if (this.cluster.deployments().some((d) => d.name === n)) {
      throw storeError('KH-STORE-008', `deployment ${n} already exists`, { hint: 'pick another name or delete it first' });
    }
    const handle = this.#repo.create<DeploymentDoc>(initialDeploymentDoc(n, this.clock.now()));
    this.#known.add(handle.documentId);
    try {
      await this.cluster.addDeployment(n, handle.url);
    } catch (e) {
      this.#known.delete(handle.documentId);
      this.#repo.delete(handle.documentId);
      throw e;
    }
    const dep = new DeploymentImpl(n, handle.url, handleBackend(handle, this.#ctx.onLocalChange), this.#ctx);
    this.#open.set(n, Promise.resolve(dep));
    this.#urls.set(n, handle.url);
    return dep;
  }

  listDeployments(): DeploymentInfo[] {
    this.#check();
    return this.cluster.deployments();
  }

  openDeployment(name: string): Promise<Deployment> {
    try {
      this.#check();
      const n = parseDeploymentName(name);
      let p = this.#open.get(n);
      // A name deleted and created again (here or by a peer) is another document: reload.
      const url = this.cluster.urlOf(n);
      if (p && url !== undefined && this.#urls.get(n) !== url) {
        const stale = p;
        void stale.then((d) => d.close(), () => undefined);
        this.#open.delete(n);
        p = undefined;
      }
      if (!p) {
        if (url !== undefined) this.#urls.set(n, url);
        p = this.#load(n);
        this.#open.set(n, p);
        p.catch(() => this.#open.delete(n));
      }
      return p;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async #load(name: string): Promise<DeploymentImpl> {
    const info = this.cluster.deployments().find((d) => d.name === name);
    if (!info) throw storeError('KH-STORE-007', `deployment ${name} not found`, { hint: 'list deployments with listDeployments()' });
    const handle = await this.#find<DeploymentDoc>(info.url);
    const doc = handle.doc();
    if (typeof doc?.v !== 'number' || doc.v > SCHEMA_VERSION || typeof doc.e !== 'object') {
      throw storeError('KH-STORE-022', `deployment ${name} has schema ${String(doc?.v)}; this build reads ${SCHEMA_VERSION}`, { hint: 'upgrade Khutulun' });
    }
    return new DeploymentImpl(info.name, info.url, handleBackend(handle, this.#ctx.onLocalChange), this.#ctx);
  }

  async deleteDeployment(name: string): Promise<void> {
    this.#check();
    const n = parseDeploymentName(name);
    const info = this.cluster.deployments().find((d) => d.name === n);
    if (!info) throw storeError('KH-STORE-007', `deployment ${n} not found`);
    await this.cluster.removeDeployment(n);
    const open = this.#open.get(n);
    this.#open.delete(n);
    if (open) (await open.catch(() => undefined))?.close();
    const handle = await this.#find<DeploymentDoc>(info.url).catch(() => undefined);
    if (handle) {
      this.#known.delete(handle.documentId);
      // automerge-repo syncs a changed document up to 100 ms after the change (its sync throttle);
      // deleting it first makes that sync print "error waiting for … ready" on the console of
      // `khutulun up`. Real time on purpose: this waits for the library's own timer.
      await new Promise((resolve) => setTimeout(resolve, AUTOMERGE_SYNC_THROTTLE_MS + 20));
      // Closed meanwhile: the document is already out of the index, so nothing reads it again.
      if (!this.#closed) this.#repo.delete(handle.documentId);
    }
  }

  async flush(): Promise<void> {
    this.#check();
    await this.#commitAll();
    try {
      // In an agent's repo only this store's documents: another document that is still arriving
      // (a plugin blob pushed by a peer) is not ready, and flushing it would throw.
      await this.#repo.flush(this.#sharedRepo ? [...this.#known] : undefined);
    } catch (cause) {
      throw asKhutulunError(storeError('KH-STORE-014', 'could not save to storage', { cause, retryable: true }));
    }
  }

  async #commitAll(): Promise<void> {
    await this.cluster.flush();
    for (const p of this.#open.values()) {
      const d = await p.catch(() => undefined);
      await d?.flush();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#commitAll();
    this.#closed = true;
    for (const p of this.#open.values()) (await p.catch(() => undefined))?.close();
    this.cluster.close();
    if (this.#sharedRepo) {
      await this.#repo.flush([...this.#known]).catch((e: unknown) => this.#ctx.logger?.log('warn', 'final flush failed', { error: String(e) }));
      return;
    }
    await this.#repo.flush();
    await this.#repo.shutdown();
    if (this.#storageDir !== undefined) {
      // Best effort: a failed compaction leaves the (complete) chunks as they were.
      await compactStorage(this.#storageDir, this.#known).catch((e: unknown) =>
        this.#ctx.logger?.log('warn', 'storage compaction failed', { error: String(e) }),
      );
    }
  }
}
