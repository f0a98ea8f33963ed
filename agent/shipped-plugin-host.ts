/**
 * The owning host's side of plugins that travel with a service: a PluginHostLike in front of the
 * Wasm host. The first call of a shipped plugin (`<name>/<hash16>:<fn>`) looks it up in the
 * cluster registry, reads its blob (local storage first, so a cut-off host keeps running what it
 * has; else from the peers that announce it), verifies the hash, checks its grants against the
 * cluster's policy, and registers it; then the calls run. A failure is the calls' coded error.
 * Blobs no deployment uses any more are dropped from this host (collect()).
 */
import type { DocHandle, DocumentId, Repo } from '@automerge/automerge-repo';
import { KhutulunError, asKhutulunError, toErrorData } from '../common/index.js';
import type { ErrorData, Logger } from '../common/index.js';
import type { Store } from '../store/index.js';
import type { PluginCall, PluginCallResult, PluginGrant, PluginHostLike, PluginManifest, PluginRegistration } from '../plugins/index.js';
import { PluginErrorCode } from '../plugins/index.js';
import type { ClusterDoc } from './cluster-doc.js';
import { blobDocumentId, fetchBlob } from './plugin-blobs.js';
import { checkGrants, isShippedPluginId } from './plugin-refs.js';

/** A shipped plugin registered on this host (what `GET /v1/plugins` lists as local). */
export interface LocalPlugin {
  readonly id: string;
  readonly name: string;
  readonly version?: string;
  readonly digest: string;
  readonly grants: readonly string[];
  readonly size: number;
}

export interface ShippedPluginHostOptions {
  readonly repo: Repo;
  readonly store: Store;
  readonly doc: DocHandle<ClusterDoc>;
  readonly logger: Logger;
  /** How long a blob may take to arrive from a peer (default 30 s). */
  readonly fetchTimeoutMs?: number;
}

/** automerge-repo's sync throttle (store/store.ts waits for it the same way). */
const SYNC_THROTTLE_MS = 100;

export class ShippedPluginHost implements PluginHostLike {
  readonly #inner: PluginHostLike & { unregister?(id: string): boolean };
  readonly #o: ShippedPluginHostOptions;
  readonly #local = new Map<string, LocalPlugin>();
  readonly #loading = new Map<string, Promise<ErrorData | undefined>>();
  #unwatch: () => void = () => undefined;
  /** Blob documents this host saw in use (only those are ever collected). */
  readonly #seen = new Set<string>();

  constructor(inner: PluginHostLike, options: ShippedPluginHostOptions) {
    this.#inner = inner;
    this.#o = options;
  }

  register(registration: PluginRegistration): Promise<void> {
    return this.#inner.register(registration);
  }

  describe(id: string): PluginManifest | undefined {
    return isShippedPluginId(id) && !this.#local.has(id) ? undefined : this.#inner.describe(id);
  }

  /** Shipped plugins registered on this host. */
  local(): LocalPlugin[] {
    return [...this.#local.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  call(call: PluginCall): Promise<PluginCallResult> {
    return this.callBatch([call]).then((r) => r[0]!);
  }

  async callBatch(calls: readonly PluginCall[]): Promise<PluginCallResult[]> {
    const needed = [...new Set(calls.map((c) => c.plugin).filter((id) => isShippedPluginId(id) && !this.#local.has(id)))];
    const failed = new Map<string, ErrorData>();
    await Promise.all(
      needed.map(async (id) => {
        const error = await this.#ensure(id);
        if (error) failed.set(id, error);
      }),
    );
    if (failed.size === 0) return this.#inner.callBatch(calls);
    const runnable = calls.filter((c) => !failed.has(c.plugin));
    const results = runnable.length > 0 ? await this.#inner.callBatch(runnable) : [];
    let k = 0;
    return calls.map((c) => (failed.has(c.plugin) ? { ok: false as const, error: failed.get(c.plugin)! } : results[k++]!));
  }

  /**
   * Collects after every change of the deployment index or the registry (an undeploy, an update
   * that ships a new build), until unwatch().
   */
  watch(): void {
    let index = '';
    const run = (): void => void this.collect().catch((e: unknown) => this.#o.logger.log('warn', 'collecting plugin blobs failed', { error: String(e) }));
    const onIndex = ({ doc }: { doc: ClusterDoc }): void => {
      const now = JSON.stringify(Object.values(doc.deployments).map((d) => d.plugins ?? {}));
      if (now === index) return;
      index = now;
      run();
    };
    this.#o.doc.on('change', onIndex);
    const off = this.#o.store.cluster.subscribe((events) => {
      if (events.some((e) => e.field === 'plugin')) run();
    });
    this.#unwatch = () => {
      this.#o.doc.off('change', onIndex);
      off();
    };
  }

  unwatch(): void {
    this.#unwatch();
  }

  /** Drops registrations the registry no longer has, and blobs no deployment in the index uses. */
  async collect(): Promise<void> {
    const index = this.#o.doc.doc();
    if (!index) return;
    const registry = new Set(this.#o.store.cluster.plugins().map((p) => p.id));
    for (const [id] of this.#local) {
      if (registry.has(id)) continue;
      this.#local.delete(id);
      this.#inner.unregister?.(id);
    }
    // A blob is collected once it was in use (index or registry) and no longer is: a blob just
    // published, whose index entry has not been written (or synced) yet, is never taken for garbage.
    const referenced = (): Set<string> => {
      const out = new Set<string>();
      for (const ref of Object.values(this.#o.doc.doc()?.deployments ?? {})) for (const docId of Object.keys(ref.plugins ?? {})) out.add(docId);
      for (const p of this.#o.store.cluster.plugins()) {
        const docId = blobDocumentId(p.url);
        if (docId) out.add(docId);
      }
      return out;
    };
    const inUse = referenced();
    for (const docId of inUse) this.#seen.add(docId);
    const blobs = Object.keys(this.#o.repo.handles).filter((docId) => this.#seen.has(docId) && !inUse.has(docId)) as DocumentId[];
    if (blobs.length === 0) return;
    // automerge-repo syncs a document up to 100 ms after a change; deleting it before that sync
    // ran breaks the library's timer (store.ts deleteDeployment waits the same way).
    await new Promise((resolve) => setTimeout(resolve, SYNC_THROTTLE_MS + 20));
    const still = referenced();
    for (const docId of blobs) {
      if (still.has(docId) || !this.#o.repo.handles[docId]) continue;
      this.#seen.delete(docId);
      this.#o.repo.delete(docId);
      this.#o.logger.log('info', 'collected an unused plugin blob', { blob: docId });
    }
  }

  async close(): Promise<void> {
    await this.#inner.close();
  }

  #ensure(id: string): Promise<ErrorData | undefined> {
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = this.#load(id).then(
        () => undefined,
        (error: unknown) => {
          const data = toErrorData(asKhutulunError(error));
          this.#o.logger.log('warn', 'a shipped plugin could not be registered', { plugin: id, code: data.code, error: data.message });
          return data;
        },
      );
      this.#loading.set(id, loading);
      // A failure is not remembered: the next call tries again (the blob may arrive later).
      void loading.finally(() => this.#loading.delete(id));
    }
    return loading;
  }

  async #load(id: string): Promise<void> {
    const entry = this.#o.store.cluster.plugins().find((p) => p.id === id);
    if (!entry || typeof entry.digest !== 'string' || blobDocumentId(entry.url) === undefined) {
      throw new KhutulunError(PluginErrorCode.unknown, `plugin ${id} is not in the cluster's registry (yet)`, {
        hint: 'the registry syncs with the deployment; if it stays missing, deploy the service again',
        retryable: true,
        details: { plugin: id },
      });
    }
    const name = entry.name ?? id;
    const grants = (entry.grants ?? []) as PluginGrant[];
    // The policy may have changed since the deployment: checked again where the plugin runs.
    checkGrants(name, grants, this.#o.doc.doc()?.pluginGrants ?? {});
    const bytes = await fetchBlob(this.#o.repo, entry.url, name, entry.digest.replace(/^sha256:/, ''), this.#o.fetchTimeoutMs ?? 30_000);
    await this.#inner.register({ id, bytes, grants: Object.fromEntries(grants.map((g) => [g, true])) });
    this.#local.set(id, { id, name, ...(entry.version !== undefined && { version: entry.version }), digest: entry.digest, grants, size: bytes.length });
    this.#o.logger.log('info', 'registered a shipped plugin', { plugin: id, bytes: bytes.length });
  }
}
