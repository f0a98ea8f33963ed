/**
 * Pure part of shipping plugins with a service: which PluginComponent artifacts a compiled service
 * declares, the id each shipped plugin runs under (`<name>/<hash16>`, so a new build of the plugin
 * is a new handler name and the Day-2 plan sees the nodes that use it change), the handler rewrite,
 * and the grant policy check (denied by default).
 */
import { toJson } from '../store/index.js';
import type { CompiledHandler, CompiledNode, CompiledService } from '../tosca/compile/index.js';
import { GRANT_NAMES, PluginErrorCode, parseHandlerName } from '../plugins/index.js';
import type { PluginGrant } from '../plugins/index.js';
import { KhutulunError } from '../common/index.js';

/** The artifact type (profiles/khutulun/artifacts.yaml) a shipped plugin has, or derives from. */
export const PLUGIN_ARTIFACT_TYPE = 'PluginComponent';

/** `file: registry:<name>`: a plugin from the cluster's registry instead of a shipped file. */
export const REGISTRY_PREFIX = 'registry:';

/** What a template says about one plugin it uses. */
export interface PluginArtifactRef {
  /** The plugin id handlers name (`<name>:<function>`). */
  readonly name: string;
  readonly version?: string;
  /** Path of the component relative to the template (absent: a plugin from the cluster registry). */
  readonly file?: string;
  readonly grants: readonly PluginGrant[];
  /** Node templates that declare it. */
  readonly nodes: readonly string[];
}

/** A plugin as deployed: its id under which it runs and the hash that names its bytes. */
export interface ResolvedPlugin {
  /** `<name>/<first 16 hex of the sha256>`: what the rewritten handlers call. */
  readonly id: string;
  readonly name: string;
  readonly version?: string;
  /** sha256 of the component, hex. */
  readonly hash: string;
  readonly grants: readonly PluginGrant[];
  readonly size: number;
}

export const shippedPluginId = (name: string, hash: string): string => `${name}/${hash.slice(0, 16)}`;

/** True for an id of the `<name>/<hash16>` form (only shipped plugins have one). */
export function isShippedPluginId(id: string): boolean {
  return /\/[0-9a-f]{16}$/.test(id);
}

const isPluginArtifact = (types: readonly string[] | undefined, type: string | undefined): boolean =>
  (types ?? (type ? [type] : [])).includes(PLUGIN_ARTIFACT_TYPE);

function grantsOf(value: unknown, where: string): PluginGrant[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((g) => {
    if (typeof g !== 'string' || !(GRANT_NAMES as readonly string[]).includes(g)) {
      throw new KhutulunError(PluginErrorCode.grant, `${where}: unknown grant ${JSON.stringify(g)}`, {
        hint: `grants are: ${GRANT_NAMES.join(', ')}`,
      });
    }
    return g as PluginGrant;
  });
}

/** The PluginComponent artifacts of the service, one entry per plugin name. */
export function pluginArtifacts(service: CompiledService): PluginArtifactRef[] {
  const byName = new Map<string, { ref: Omit<PluginArtifactRef, 'nodes'>; nodes: string[] }>();
  for (const node of service.nodes) {
    for (const a of node.artifacts) {
      if (!isPluginArtifact(a.types, a.type)) continue;
      const where = `node ${node.name}, artifact ${a.name}`;
      // `file: registry:<name>` names a plugin already in the cluster's registry (TOSCA needs a file).
      const fromRegistry = a.file?.startsWith(REGISTRY_PREFIX) ? a.file.slice(REGISTRY_PREFIX.length) : undefined;
      const nameValue = a.properties?.['name'] !== undefined ? toJson(a.properties['name']) : fromRegistry ?? a.name;
      if (fromRegistry !== undefined && nameValue !== fromRegistry) {
        throw new KhutulunError(PluginErrorCode.invalid, `${where}: file names registry plugin ${fromRegistry} but the name property says ${JSON.stringify(nameValue)}`, {
          hint: 'drop the name property, or make it match',
        });
      }
      if (typeof nameValue !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameValue)) {
        throw new KhutulunError(PluginErrorCode.invalid, `${where}: plugin name ${JSON.stringify(nameValue)} is not a plugin id`, {
          hint: 'use letters, digits, ".", "_" and "-", e.g. acme.greeter',
        });
      }
      const ref = {
        name: nameValue,
        ...(a.version !== undefined && { version: a.version }),
        ...(a.file !== undefined && fromRegistry === undefined && { file: a.file }),
        grants: grantsOf(a.properties?.['grants'] !== undefined ? toJson(a.properties['grants']) : undefined, where),
      };
      const seen = byName.get(nameValue);
      if (seen && JSON.stringify(seen.ref) !== JSON.stringify(ref)) {
        throw new KhutulunError(PluginErrorCode.invalid, `${where}: plugin ${nameValue} is declared twice, differently`, {
          hint: 'declare each plugin once (same file, version and grants) or give the artifacts different names',
        });
      }
      if (seen) seen.nodes.push(node.name);
      else byName.set(nameValue, { ref, nodes: [node.name] });
    }
  }
  return [...byName.values()].map(({ ref, nodes }) => ({ ...ref, nodes }));
}

function rewrite(handlers: Readonly<Record<string, readonly CompiledHandler[]>>, ids: ReadonlyMap<string, string>): Record<string, CompiledHandler[]> {
  const out: Record<string, CompiledHandler[]> = {};
  for (const [event, list] of Object.entries(handlers)) {
    out[event] = list.map((h) => {
      const parsed = parseHandlerName(h.fn);
      const id = parsed ? ids.get(parsed.plugin) : undefined;
      return id ? { ...h, fn: `${id}:${parsed!.fn}` } : h;
    });
  }
  return out;
}

/** Handlers naming a shipped plugin by name now call it by id (nodes and their requirements). */
export function rewriteHandlers(service: CompiledService, plugins: readonly ResolvedPlugin[]): CompiledService {
  if (plugins.length === 0) return service;
  const ids = new Map(plugins.map((p) => [p.name, p.id]));
  const node = (n: CompiledNode): CompiledNode => ({
    ...n,
    handlers: rewrite(n.handlers, ids),
    requirements: n.requirements.map((r) => ({ ...r, handlers: rewrite(r.handlers, ids) })),
  });
  return { ...service, nodes: service.nodes.map(node) };
}

/** Node templates whose handlers (own or their requirements') call plugin `id`. */
export function nodesUsing(service: CompiledService, id: string): string[] {
  const calls = (h: Readonly<Record<string, readonly CompiledHandler[]>>): boolean =>
    Object.values(h).some((list) => list.some((x) => parseHandlerName(x.fn)?.plugin === id));
  return service.nodes.filter((n) => calls(n.handlers) || n.requirements.some((r) => calls(r.handlers))).map((n) => n.name);
}

/** The cluster's grant allowlist: plugin name -> grants it may have. Absent = none. */
export type GrantPolicy = Readonly<Record<string, readonly string[]>>;

/** Refuses a plugin that asks for a grant the policy does not allow it (denied by default). */
export function checkGrants(name: string, asked: readonly PluginGrant[], policy: GrantPolicy): void {
  const allowed = new Set(policy[name] ?? []);
  const denied = asked.filter((g) => !allowed.has(g));
  if (denied.length === 0) return;
  throw new KhutulunError(PluginErrorCode.grant, `plugin ${name} asks for ${denied.map((g) => `"${g}"`).join(', ')}, which the cluster's policy does not allow it`, {
    hint: `allow it if the plugin really needs it: khutulun plugin allow ${name} ${denied.join(' ')} (or drop it from the artifact's grants)`,
    details: { plugin: name, denied, allowed: [...allowed] },
  });
}
