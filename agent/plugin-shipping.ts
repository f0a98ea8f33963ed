/**
 * The deploying host's side of plugins that travel with a service. While compiling: read each
 * PluginComponent artifact (from the CSAR, the CSAR folder or next to the template), hash it,
 * check it is a component of our world, check its grants against the cluster's policy, and point
 * the handlers at `<name>/<hash16>`. While applying: put each new blob into its own document,
 * record the plugin in the cluster registry and as a `plugin` entity of the deployment, and list
 * which hosts own a node using it (the share policy sends the blob only there).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, posix, resolve, sep } from 'node:path';
import type { DocHandle, Repo } from '@automerge/automerge-repo';
import { KhutulunError } from '../common/index.js';
import type { Deployment, PluginInfo, Store } from '../store/index.js';
import { formatEntityId } from '../store/index.js';
import { openCsar } from '../tosca/index.js';
import type { CompiledService } from '../tosca/compile/index.js';
import { PluginErrorCode, parseHandlerName, transpileCached } from '../plugins/index.js';
import type { ClusterDoc } from './cluster-doc.js';
import type { DeploymentSource } from './desired-state.js';
import { blobDocumentId, publishBlob, sha256Hex } from './plugin-blobs.js';
import { checkGrants, pluginArtifacts, rewriteHandlers, shippedPluginId } from './plugin-refs.js';
import type { ResolvedPlugin } from './plugin-refs.js';

/** The world every plugin implements (plugins/wit/khutulun.wit). */
export const PLUGIN_WORLD = 'khutulun:plugin/plugin@0.1.0';
/** Largest plugin component accepted (checked before it is read). */
export const MAX_PLUGIN_BYTES = 64 * 1024 * 1024;

/** A plugin resolved for a deployment: its bytes (shipped) or its blob URL (from the registry). */
export interface ShippedPlugin extends ResolvedPlugin {
  readonly bytes?: Uint8Array;
  readonly url?: string;
  readonly world: string;
}

export interface PluginShippingOptions {
  readonly repo: Repo;
  readonly store: Store;
  /** The agent's cluster document: the grant policy and the deployment index. */
  readonly doc: DocHandle<ClusterDoc>;
  /** Where components are transpiled (checked) once per hash. */
  readonly cacheDir: string;
  readonly maxBytes?: number;
}

type ReadArtifact = (file: string, plugin: string) => Promise<Uint8Array>;

function missing(plugin: string, file: string, why: string): KhutulunError {
  return new KhutulunError(PluginErrorCode.blob, `plugin ${plugin}: ${file} ${why}`, {
    hint: 'put the .wasm component in the CSAR (or next to the template) at the path the artifact names',
    details: { plugin, file },
  });
}

/** Reads artifact files relative to the template, confined to its CSAR or folder. */
async function artifactReader(source: DeploymentSource, maxBytes: number): Promise<ReadArtifact> {
  const tooBig = (plugin: string, file: string, size: number): KhutulunError =>
    new KhutulunError(PluginErrorCode.blob, `plugin ${plugin}: ${file} has ${size} bytes, more than ${maxBytes}`, { hint: 'ship a smaller component', details: { plugin, file, size } });
  const archive = /\.(zip|csar|tar|tgz|tar\.gz)$/i.test(source.file) || (existsSync(source.file) && statSync(source.file).isDirectory());
  if (archive) {
    const { entry } = await openCsar(source.file, source.cwd);
    const base = posix.dirname(entry.path);
    return async (file, plugin) => {
      // Absolute inside the archive: normalize cannot climb above its root.
      const inner = posix.normalize(posix.join(base, file));
      const size = await entry.store.size?.(inner);
      if (size !== undefined && size > maxBytes) throw tooBig(plugin, file, size);
      const bytes = await entry.store.read(inner);
      if (!bytes) throw missing(plugin, file, `is not in ${source.file}`);
      return bytes;
    };
  }
  const base = dirname(source.file);
  return async (file, plugin) => {
    const path = resolve(base, file);
    if (!path.startsWith(base + sep)) throw missing(plugin, file, `is outside the template's folder ${base}`);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) throw missing(plugin, file, `is not a file next to the template (${path})`);
    if (s.size > maxBytes) throw tooBig(plugin, file, s.size);
    return readFile(path);
  };
}

const pluginEntityId = (p: ResolvedPlugin): string => `plugins/${p.name}/${p.hash.slice(0, 16)}`;

export class PluginShipping {
  readonly #o: PluginShippingOptions;

  constructor(options: PluginShippingOptions) {
    this.#o = options;
  }

  /** The compile step: resolves the service's plugins and rewrites its handlers to their ids. */
  async resolve(service: CompiledService, source: DeploymentSource): Promise<{ service: CompiledService; plugins: ShippedPlugin[] }> {
    const refs = pluginArtifacts(service);
    if (refs.length === 0) return { service, plugins: [] };
    const policy = this.#o.doc.doc()?.pluginGrants ?? {};
    const read = await artifactReader(source, this.#o.maxBytes ?? MAX_PLUGIN_BYTES);
    const plugins: ShippedPlugin[] = [];
    for (const ref of refs) {
      checkGrants(ref.name, ref.grants, policy);
      if (ref.file === undefined) {
        plugins.push(this.#fromRegistry(ref.name, ref.version));
        continue;
      }
      const bytes = await read(ref.file, ref.name);
      const hash = sha256Hex(bytes);
      await this.#checkComponent(ref.name, bytes);
      plugins.push({ id: shippedPluginId(ref.name, hash), name: ref.name, ...(ref.version !== undefined && { version: ref.version }), hash, grants: ref.grants, size: bytes.length, bytes, world: PLUGIN_WORLD });
    }
    return { service: rewriteHandlers(service, plugins), plugins };
  }

  /** The apply step: blobs, registry entries, plugin entities, and which hosts get each blob. */
  async publish(d: Deployment, plugins: readonly ShippedPlugin[]): Promise<void> {
    const registry = new Map(this.#o.store.cluster.plugins().map((p) => [p.id, p]));
    const blobs: Record<string, string[]> = {};
    const keep = new Set<string>();
    for (const p of plugins) {
      const known = registry.get(p.id);
      const url = known?.url ?? p.url ?? publishBlob(this.#o.repo, p.name, p.bytes!);
      const deployments = [...new Set([...(known?.deployments ?? []), d.name])].sort();
      await this.#o.store.cluster.registerPlugin({
        id: p.id, url, precompiled: false, digest: `sha256:${p.hash}`, name: p.name,
        ...(p.version !== undefined && { version: p.version }), world: p.world, grants: [...p.grants], size: p.size, deployments,
      });
      const entity = pluginEntityId(p);
      keep.add(entity);
      if (!d.get('plugin', entity)) {
        await d.create('plugin', { id: entity, url, metadata: { 'khutulun:plugin-id': p.id, 'khutulun:digest': `sha256:${p.hash}`, 'khutulun:grants': p.grants.join(',') } });
      }
      const docId = blobDocumentId(url);
      if (docId) blobs[docId] = ownersUsing(d, p.id);
    }
    // An update that no longer uses a plugin: its entity goes, the registry forgets this deployment.
    for (const e of d.list('plugin')) if (!keep.has(formatEntityId(e.id))) await d.delete(e.id);
    await d.flush();
    await this.release(d.name, new Set(plugins.map((p) => p.id)));
    this.#o.doc.change((c) => {
      const ref = c.deployments[d.name];
      if (ref && JSON.stringify(ref.plugins ?? {}) !== JSON.stringify(blobs)) ref.plugins = blobs;
    });
  }

  /** Forgets `name` in registry entries it no longer uses (all after undeploy); unused entries go. */
  async release(name: string, still: ReadonlySet<string> = new Set()): Promise<void> {
    for (const p of this.#o.store.cluster.plugins()) {
      if (still.has(p.id) || !p.deployments?.includes(name)) continue;
      const rest = p.deployments.filter((x) => x !== name);
      if (rest.length === 0) await this.#o.store.cluster.unregisterPlugin(p.id);
      else await this.#o.store.cluster.registerPlugin({ ...p, deployments: rest });
    }
  }

  #fromRegistry(name: string, version: string | undefined): ShippedPlugin {
    const found = this.#o.store.cluster
      .plugins()
      .filter((p): p is PluginInfo & { name: string; digest: string } => p.name === name && typeof p.digest === 'string' && (version === undefined || p.version === version));
    const entry = found.at(-1);
    if (!entry) {
      throw new KhutulunError(PluginErrorCode.unknown, `plugin ${name}${version ? ` version ${version}` : ''} is not in the cluster's registry`, {
        hint: 'give the artifact a `file` (the .wasm shipped with the template), or deploy a service that ships it first (`khutulun plugin list` shows the registry)',
        details: { plugin: name, ...(version ? { version } : {}) },
      });
    }
    // The grants are the registered plugin's own; the template may not ask for more.
    checkGrants(name, (entry.grants ?? []) as ResolvedPlugin['grants'], this.#o.doc.doc()?.pluginGrants ?? {});
    return {
      id: entry.id, name, ...(entry.version !== undefined && { version: entry.version }), hash: entry.digest.replace(/^sha256:/, ''),
      grants: (entry.grants ?? []) as ResolvedPlugin['grants'], size: entry.size ?? 0, url: entry.url, world: entry.world ?? PLUGIN_WORLD,
    };
  }

  /** Transpiles once per hash (cached): a file that is not a component of our world is refused now. */
  async #checkComponent(name: string, bytes: Uint8Array): Promise<void> {
    const t = await transpileCached(bytes, this.#o.cacheDir);
    if (!t.exports.includes('invoke') || !t.exports.includes('describe')) {
      throw new KhutulunError(PluginErrorCode.load, `plugin ${name} does not implement ${PLUGIN_WORLD} (exports: ${t.exports.join(', ') || 'none'})`, {
        hint: 'build it for the world `plugin` in plugins/wit/khutulun.wit (khutulun plugin build)',
      });
    }
  }
}

/** Hosts owning a vertex whose handlers call plugin `id`. */
export function ownersUsing(d: Deployment, id: string): string[] {
  const hosts = new Set<string>();
  for (const v of d.query({ kind: 'vertex', directory: ['nodes'] })) {
    const uses = Object.values(v.handlers).some((list) => list.some((h) => parseHandlerName(h.fn)?.plugin === id));
    if (uses && v.owner) hosts.add(v.owner);
  }
  // Relationship steps run on the host of the edge's target.
  for (const e of d.list('edge')) {
    const uses = Object.values(e.handlers).some((list) => list.some((h) => parseHandlerName(h.fn)?.plugin === id));
    const owner = uses ? d.get('vertex', e.target)?.owner : undefined;
    if (owner) hosts.add(owner);
  }
  return [...hosts].sort();
}
