/** The cluster document: hosts (one map of fields per host), deployment index, plugin registry. */
import type { Clock } from '../common/index.js';
import { storeError } from './errors.js';
import { parseDeploymentName, parseHostId } from './ids.js';
import type { DeploymentName, HostId } from './ids.js';
import { S, str } from './doc-schema.js';
import type { ClusterDoc, HostRecord } from './doc-schema.js';
import type { DocBackend } from './doc-backend.js';
import { WriteQueue } from './write-queue.js';
import type { Cluster, DeploymentInfo, HostInfo, PluginInfo } from './api.js';
import type { ClusterChangeEvent, ClusterChangeListener } from './events.js';

function decodeHost(id: string, r: HostRecord): HostInfo {
  return {
    id: id as HostId,
    name: str(r.name) ?? id,
    addresses: r.addresses ? (JSON.parse(str(r.addresses)!) as string[]) : [],
    labels: r.labels ? (JSON.parse(str(r.labels)!) as Record<string, string>) : {},
    capacity: r.capacity ? (JSON.parse(str(r.capacity)!) as Record<string, number>) : {},
    lastSeen: r.lastSeen ?? 0,
  };
}

export class ClusterImpl implements Cluster {
  readonly url: string;
  readonly #backend: DocBackend<ClusterDoc>;
  readonly #queue: WriteQueue<ClusterDoc>;
  readonly #clock: Clock;
  readonly #listeners = new Set<ClusterChangeListener>();
  readonly #unsubscribe: () => void;

  constructor(url: string, backend: DocBackend<ClusterDoc>, host: string, clock: Clock) {
    this.url = url;
    this.#backend = backend;
    this.#clock = clock;
    this.#queue = new WriteQueue(backend, host, clock);
    this.#unsubscribe = backend.onChange((c) => {
      if (this.#listeners.size === 0) return;
      const events: ClusterChangeEvent[] = [];
      const seen = new Set<string>();
      for (const p of c.patches) {
        const section = p.path[0];
        const key = p.path[1];
        if (key === undefined || (section !== 'hosts' && section !== 'deployments' && section !== 'plugins')) continue;
        const k = `${section}/${key}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const field = section === 'hosts' ? 'host' : section === 'deployments' ? 'deployment' : 'plugin';
        const read = (d: ClusterDoc): unknown => {
          const v = d[section][String(key)];
          if (v === undefined) return undefined;
          return section === 'hosts' ? decodeHost(String(key), v as HostRecord) : section === 'plugins' ? JSON.parse(str(v as never)!) : { url: str((v as { url: never }).url), createdAt: (v as { createdAt: number }).createdAt };
        };
        events.push({ field, key: String(key), old: read(c.before), new: read(c.after), local: c.local });
      }
      if (events.length > 0) for (const l of this.#listeners) l(events);
    });
  }

  #doc(): ClusterDoc {
    if (this.#queue.pending > 0) this.#queue.commit();
    return this.#backend.doc();
  }

  hosts(): HostInfo[] {
    const d = this.#doc();
    return Object.keys(d.hosts).sort().map((id) => decodeHost(id, d.hosts[id]!));
  }

  host(id: string): HostInfo | undefined {
    const r = this.#doc().hosts[id];
    return r ? decodeHost(id, r) : undefined;
  }

  upsertHost(host: Partial<Omit<HostInfo, 'id'>> & { readonly id: string }): Promise<void> {
    let id: string;
    const fields: HostRecord = {};
    try {
      id = parseHostId(host.id);
      if (host.name !== undefined) fields.name = S(String(host.name));
      if (host.addresses !== undefined) fields.addresses = S(JSON.stringify(checkList(host.addresses)));
      if (host.labels !== undefined) fields.labels = S(JSON.stringify(checkRecord(host.labels, 'string')));
      if (host.capacity !== undefined) fields.capacity = S(JSON.stringify(checkRecord(host.capacity, 'number')));
      if (host.lastSeen !== undefined) fields.lastSeen = Number(host.lastSeen);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#queue.enqueue((d) => {
      const r = d.hosts[id];
      if (!r) d.hosts[id] = { lastSeen: this.#clock.now(), ...fields };
      else for (const [k, v] of Object.entries(fields)) (r as Record<string, unknown>)[k] = v;
      return [[`host:${id}`, 'host']];
    }, [[`host:${id}`, 'host']]);
  }

  touchHost(id: string): Promise<void> {
    return this.upsertHost({ id, lastSeen: this.#clock.now() });
  }

  removeHost(id: string): Promise<void> {
    return this.#queue.enqueue((d) => {
      if (!(id in d.hosts)) throw storeError('KH-STORE-005', `host ${id} not found`);
      delete d.hosts[id];
      return [[`host:${id}`, 'host']];
    }, [[`host:${id}`, 'host']]);
  }

  deployments(): DeploymentInfo[] {
    const d = this.#doc();
    return Object.keys(d.deployments)
      .sort()
      .map((name) => ({ name: name as DeploymentName, url: str(d.deployments[name]!.url)!, createdAt: d.deployments[name]!.createdAt }));
  }

  /** The document URL a deployment name is indexed under now (undefined = not indexed). */
  urlOf(name: string): string | undefined {
    return str(this.#doc().deployments[name]?.url);
  }

  /** Internal: index a deployment (name -> doc URL). */
  addDeployment(name: string, url: string): Promise<void> {
    const n = parseDeploymentName(name);
    return this.#queue.enqueue((d) => {
      if (d.deployments[n]) throw storeError('KH-STORE-008', `deployment ${n} already exists`, { hint: 'pick another name or delete it first' });
      d.deployments[n] = { url: S(url), createdAt: this.#clock.now() };
      return [[`deployment:${n}`, 'deployment']];
    }, [[`deployment:${n}`, 'deployment']]);
  }

  removeDeployment(name: string): Promise<void> {
    return this.#queue.enqueue((d) => {
      if (!d.deployments[name]) throw storeError('KH-STORE-007', `deployment ${name} not found`);
      delete d.deployments[name];
      return [[`deployment:${name}`, 'deployment']];
    }, [[`deployment:${name}`, 'deployment']]);
  }

  plugins(): PluginInfo[] {
    const d = this.#doc();
    return Object.keys(d.plugins).sort().map((id) => JSON.parse(str(d.plugins[id])!) as PluginInfo);
  }

  registerPlugin(plugin: PluginInfo): Promise<void> {
    if (typeof plugin !== 'object' || plugin === null || typeof plugin.id !== 'string' || plugin.id.length === 0 || typeof plugin.url !== 'string') {
      return Promise.reject(storeError('KH-STORE-011', 'plugin needs an id and a url'));
    }
    const { id, url, precompiled, ...rest } = plugin;
    const text = JSON.stringify({ id, url, precompiled: precompiled === true, ...pluginFields(rest) });
    return this.#queue.enqueue((d) => {
      d.plugins[plugin.id] = S(text);
      return [[`plugin:${plugin.id}`, 'plugin']];
    }, [[`plugin:${plugin.id}`, 'plugin']]);
  }

  unregisterPlugin(id: string): Promise<void> {
    return this.#queue.enqueue((d) => {
      if (!(id in d.plugins)) throw storeError('KH-STORE-005', `plugin ${id} not registered`);
      delete d.plugins[id];
      return [[`plugin:${id}`, 'plugin']];
    }, [[`plugin:${id}`, 'plugin']]);
  }

  subscribe(listener: ClusterChangeListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  flush(): Promise<void> {
    this.#queue.commit();
    return Promise.resolve();
  }

  close(): void {
    this.#queue.close();
    this.#unsubscribe();
  }
}

/** The optional registry fields, checked (a malformed one is dropped rather than stored). */
function pluginFields(p: Omit<PluginInfo, 'id' | 'url' | 'precompiled'>): Partial<PluginInfo> {
  const strings = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  return {
    ...(typeof p.digest === 'string' && { digest: p.digest }),
    ...(typeof p.name === 'string' && { name: p.name }),
    ...(typeof p.version === 'string' && { version: p.version }),
    ...(typeof p.world === 'string' && { world: p.world }),
    ...(strings(p.grants) && { grants: [...p.grants] }),
    ...(typeof p.size === 'number' && Number.isFinite(p.size) && { size: p.size }),
    ...(strings(p.deployments) && { deployments: [...p.deployments] }),
  };
}

function checkList(v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw storeError('KH-STORE-011', 'addresses must be a list of strings');
  return v;
}

function checkRecord(v: unknown, type: 'string' | 'number'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === type)) {
    throw storeError('KH-STORE-011', `expected a record of ${type}s`);
  }
  return v as Record<string, unknown>;
}
