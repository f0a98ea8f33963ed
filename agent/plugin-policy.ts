/**
 * The operator's side of shipped plugins: what the registry holds and what this host runs
 * (`GET /v1/plugins`, `khutulun plugin list`), and the cluster's grant allowlist
 * (`PUT /v1/plugins/:name/grants`, `khutulun plugin allow`). Denied by default: a plugin has a
 * grant only once its name is listed with it here.
 */
import type { DocHandle } from '@automerge/automerge-repo';
import { KhutulunError } from '../common/index.js';
import type { PluginInfo, Store } from '../store/index.js';
import { GRANT_NAMES, PluginErrorCode, isValidPluginId } from '../plugins/index.js';
import type { ClusterDoc } from './cluster-doc.js';
import type { LocalPlugin } from './shipped-plugin-host.js';

export interface PluginsView {
  /** The host that answered (its `local` list is its own). */
  readonly host: string;
  /** The cluster's registry: every plugin a deployment ships or uses. */
  readonly registry: readonly PluginInfo[];
  /** Shipped plugins registered (verified, transpiled, loaded) on this host. */
  readonly local: readonly LocalPlugin[];
  /** The grant allowlist: plugin name -> grants. */
  readonly policy: Readonly<Record<string, readonly string[]>>;
}

export function pluginsView(host: string, store: Store, shipped: { local(): LocalPlugin[] }, doc: DocHandle<ClusterDoc>): PluginsView {
  return { host, registry: store.cluster.plugins(), local: shipped.local(), policy: doc.doc()?.pluginGrants ?? {} };
}

/** Replaces the grants plugin `name` may have (an empty list takes them all back). */
export function setPluginGrants(doc: DocHandle<ClusterDoc>, name: unknown, grants: unknown): Record<string, string[]> {
  if (typeof name !== 'string' || !isValidPluginId(name) || name.includes('/')) {
    throw new KhutulunError(PluginErrorCode.invalid, `${JSON.stringify(name)} is not a plugin name`, { hint: 'name the plugin as its artifact does, e.g. acme.greeter' });
  }
  if (!Array.isArray(grants) || grants.some((g) => typeof g !== 'string' || !(GRANT_NAMES as readonly string[]).includes(g))) {
    throw new KhutulunError(PluginErrorCode.grant, `grants must be a list of: ${GRANT_NAMES.join(', ')}`, { hint: 'e.g. khutulun plugin allow acme.greeter clocks random' });
  }
  const list = [...new Set(grants as string[])].sort();
  doc.change((c) => {
    c.pluginGrants ??= {};
    if (list.length === 0) delete c.pluginGrants[name];
    else c.pluginGrants[name] = list;
  });
  return { ...(doc.doc()?.pluginGrants ?? {}) };
}
