/**
 * The desired state of a deployment, made from its source: the TOSCA file compiled (with the
 * recorded inputs and `scale` count overrides) and instantiated in a scratch in-memory store, so it
 * can be compared with the document (update-plan.ts) without touching it.
 */
import { KhutulunError, silentLogger } from '../common/index.js';
import type { Clock } from '../common/index.js';
import { openStore } from '../store/index.js';
import type { Deployment, FunctionRegistry, Store } from '../store/index.js';
import type { CompiledService, CompileFileResult } from '../tosca/compile/index.js';
import type { CompileTask } from './compile-worker.js';
import type { ShippedPlugin } from './plugin-shipping.js';

/** Where a deployment came from: kept in its service vertex, so scale and update can compile it again. */
export interface DeploymentSource {
  /** The template: a YAML file, a CSAR or a CSAR folder (absolute path on the host that deployed it). */
  readonly file: string;
  /** The folder relative imports and artifacts resolve against. */
  readonly cwd: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** `scale` overrides: node template -> count. An update with a new file clears them. */
  readonly counts?: Readonly<Record<string, number>>;
}

export const SOURCE_KEY = 'khutulun:source';
/** No template may ask for more instances of one node than this (checked before instantiating). */
export const MAX_COUNT = 10_000;

export function readSource(d: Deployment): DeploymentSource | undefined {
  const raw = d.get('vertex', d.serviceVertex)?.metadata[SOURCE_KEY];
  if (typeof raw !== 'string') return undefined;
  try {
    const s = JSON.parse(raw) as DeploymentSource;
    return typeof s.file === 'string' && typeof s.cwd === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function writeSource(d: Deployment, source: DeploymentSource): Promise<void> {
  const service = d.require('vertex', d.serviceVertex);
  await d.update(service.id, { metadata: { ...service.metadata, [SOURCE_KEY]: JSON.stringify(source) } });
}

export interface DesiredOptions {
  readonly hostId: string;
  readonly clock: Clock;
  readonly profileDirs: readonly string[];
  /** A registry for the scratch store (the plugin functions resolve there too). */
  readonly functions: () => FunctionRegistry;
  /** Compiles the template (default: here; the agent passes its worker thread, compile-pool.ts). */
  readonly compile?: (task: CompileTask) => Promise<CompileFileResult>;
  /** Resolves the plugins the service ships (agent/plugin-shipping.ts) and points handlers at them. */
  readonly plugins?: (service: CompiledService, source: DeploymentSource) => Promise<{ service: CompiledService; plugins: ShippedPlugin[] }>;
}

export interface Desired {
  readonly service: CompiledService;
  /** The plugins it ships or names from the registry (published when the plan is applied). */
  readonly plugins: readonly ShippedPlugin[];
  readonly scratch: Deployment;
  close(): Promise<void>;
}

function withCounts(service: CompiledService, counts: Readonly<Record<string, number>> | undefined): CompiledService {
  if (!counts || Object.keys(counts).length === 0) return service;
  for (const name of Object.keys(counts)) {
    if (!service.nodes.some((n) => n.name === name)) {
      throw new KhutulunError('KH-AGENT-NO-NODE', `the template has no node template "${name}"`, {
        hint: `node templates: ${service.nodes.map((n) => n.name).join(', ') || '(none)'}`,
      });
    }
  }
  return { ...service, nodes: service.nodes.map((n) => (counts[n.name] !== undefined ? { ...n, count: BigInt(counts[n.name]!) } : n)) };
}

/** Compiles `source` and instantiates it as `name` in a scratch store (close() it after use). */
export async function desiredState(name: string, source: DeploymentSource, o: DesiredOptions): Promise<Desired> {
  // Loaded here, not with the agent: an idle agent never holds the TOSCA processor.
  const [{ instantiateService }, worker] = await Promise.all([import('../tosca/compile/index.js'), o.compile ? undefined : import('./compile-worker.js')]);
  const task = { file: source.file, cwd: source.cwd, profileDirs: o.profileDirs, inputs: source.inputs };
  const compiled = await (o.compile ?? worker!.compileTask)(task);
  if (!compiled.ok || !compiled.service) {
    throw new KhutulunError(compiled.ioError ? 'KH-AGENT-SOURCE' : 'KH-AGENT-INVALID', `${source.file} is not a deployable service template: ${compiled.problems.length} problem(s)`, {
      hint: compiled.problems.slice(0, 5).map((p) => `${p.file}:${p.line}:${p.column}: ${p.code}: ${p.message}`).join('\n') || 'run `khutulun validate FILE`',
      details: { problems: compiled.problems },
    });
  }
  const shipped = o.plugins ? await o.plugins(compiled.service, source) : { service: compiled.service, plugins: [] };
  const service = withCounts(shipped.service, source.counts);
  const store: Store = await openStore({ hostId: o.hostId, clock: o.clock, logger: silentLogger, functions: o.functions() });
  try {
    const scratch = await store.createDeployment(name);
    // The deployment limit is checked before any vertex is made (instantiate counts first).
    const inst = await instantiateService(scratch, service, undefined, { maxTotalInstances: MAX_COUNT });
    if (inst.problems.length > 0) {
      throw new KhutulunError('KH-AGENT-INSTANTIATE', `${name}: ${inst.problems.map((p) => p.message).join('; ')}`, {
        hint: 'fix the template (requirements, counts, inputs) and deploy again',
        details: { problems: inst.problems },
      });
    }
    if (inst.nodes.length > MAX_COUNT) {
      throw new KhutulunError('KH-AGENT-TOO-MANY', `${name} would have ${inst.nodes.length} node instances (limit ${MAX_COUNT})`, { hint: 'lower the counts' });
    }
    return { service, plugins: shipped.plugins, scratch, close: () => store.close() };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
