/**
 * Instantiates a compiled service in a deployment: the service vertex gets `input:`/`output:`
 * properties, each node template becomes `count` vertexes (with `$node_index`), requirements are
 * fulfilled by one global search (match-requirements.ts) and become edges, and computed
 * properties are evaluated in dependency order (repeated passes until nothing changes).
 */
import { KhutulunError } from '../../common/index.js';
import type { Deployment, Expression, FunctionRegistry, Vertex } from '../../store/index.js';
import { evaluate, formatEntityId, stringMap } from '../../store/index.js';
import { encodeTriggers, encodeWorkflow } from './workflow-codec.js';
import { isScalar, registerToscaFunctions, scalarParts } from '../functions/index.js';
import { limitHint, resolveLimits, type ToscaLimits } from '../limits/index.js';
import type { CompiledNode, CompiledService } from './compiled.js';
import { DeploymentGraph, NOT_YET } from './graph-view.js';
import { matchRequirements, type Candidate, type Slot } from './match-requirements.js';
import { floriaName, nodeName } from './names.js';
import { nodeMetadata, propertyInput, propertyInputs, writeTemplates } from './write-templates.js';

/**
 * Normative 1.x node types that promise software or infrastructure no Khutulun runtime provides by
 * itself: a template using one must implement its Standard operations (scripts, run by plugins),
 * or it cannot be deployed. tosca.nodes.Compute maps to the host (nothing to run), and a
 * SoftwareComponent without operations has nothing to run.
 */
const NO_RUNTIME = new Set([
  'tosca.nodes.WebServer', 'tosca.nodes.WebApplication', 'tosca.nodes.DBMS', 'tosca.nodes.Database',
  'tosca.nodes.Storage.ObjectStorage', 'tosca.nodes.Storage.BlockStorage', 'tosca.nodes.Container.Runtime',
  'tosca.nodes.Container.Application', 'tosca.nodes.LoadBalancer', 'tosca.nodes.network.Network', 'tosca.nodes.network.Port',
]);

export interface InstantiateProblem {
  readonly code: string;
  readonly message: string;
  readonly node?: string;
}

export interface ServiceInstance {
  readonly nodes: readonly string[];
  readonly relationships: readonly string[];
  readonly problems: readonly InstantiateProblem[];
}

/** The graph of each deployment, per function registry (the store shares one registry). */
const graphs = new WeakMap<FunctionRegistry, Map<string, DeploymentGraph>>();

/**
 * Makes the TOSCA functions available to a deployment's evaluator. The registry is shared by every
 * deployment of a store, so graph queries pick the graph of the call site's deployment.
 */
export function attachToscaFunctions(d: Deployment): DeploymentGraph {
  let byName = graphs.get(d.functions);
  if (!byName) {
    const map = new Map<string, DeploymentGraph>();
    graphs.set(d.functions, (byName = map));
    registerToscaFunctions(d.functions, (site) => (site.deployment !== undefined ? map.get(site.deployment) : undefined));
  }
  const graph = new DeploymentGraph(d);
  byName.set(d.name, graph);
  return graph;
}

function amount(e: Expression | undefined): number | undefined {
  if (typeof e === 'bigint') return Number(e);
  if (typeof e === 'number') return e;
  if (e !== undefined && isScalar(e)) return scalarParts(e).canonical;
  return undefined;
}

export async function instantiateService(
  d: Deployment,
  s: CompiledService,
  maxPasses = 8,
  /** Instance limits (maxInstances per template and count, maxTotalInstances); defaults in DEFAULT_LIMITS. */
  limitOverrides: Partial<ToscaLimits> = {},
): Promise<ServiceInstance> {
  const limits = resolveLimits(limitOverrides);
  if (d.query({ kind: 'vertex', directory: ['nodes'] }).length > 0) {
    throw new KhutulunError('KH-TOSCA-ALREADY-INSTANTIATED', `deployment ${d.name} already has nodes`, {
      hint: 'undeploy it first, or deploy under another name',
    });
  }
  const graph = attachToscaFunctions(d);
  const problems: InstantiateProblem[] = [];

  // Inputs and outputs live on the service vertex.
  const service = formatEntityId(d.require('vertex', d.serviceVertex).id);
  const sid = d.require('vertex', service).id;
  await Promise.all([
    ...s.inputs.map((p) => d.putProperty(sid, `input:${p.name}`, propertyInput(p))),
    ...s.outputs.map((p) => d.putProperty(sid, `output:${p.name}`, { ...propertyInput(p), readOnly: false })),
    ...s.policies.map((p) =>
      d.putProperty(sid, `policy:${p.name}`, {
        value: stringMap({
          type: p.type,
          classes: [...p.classes],
          targets: [...p.targets],
          properties: stringMap(Object.fromEntries(p.properties.filter((x) => x.value !== undefined).map((x) => [x.name, x.value!]))),
          // Triggers as one encoded string (their activity inputs may be function calls).
          ...(p.triggerDefs.length > 0 ? { triggers: encodeTriggers(p.triggerDefs) } : {}),
        }),
      }),
    ),
    ...s.groups.map((g) => d.putProperty(sid, `group:${g.name}`, { value: stringMap({ type: g.type, members: [...g.members] }) })),
    // Imperative workflows, for `khutulun run --workflow` (agent/workflow-run.ts reads them back).
    ...s.workflows.map((w) => d.putProperty(sid, `workflow:${w.name}`, { value: encodeWorkflow(w) })),
  ]);

  // Node representations: every count is known and checked against the limits before the first
  // vertex is made (a service of 23,000 one-instance nodes is refused, not half built).
  const counted: { node: CompiledNode; count: number }[] = [];
  let total = 0;
  for (const n of s.nodes) {
    if (n.directives.includes('select') || n.directives.includes('substitute')) {
      problems.push({ code: 'KH-TOSCA-DIRECTIVE', node: n.name, message: `node "${n.name}" has the ${n.directives.join('/')} directive: Khutulun has no inventory or substitution source for it yet, so it is not instantiated` });
      continue;
    }
    const promised = n.classes.find((c) => NO_RUNTIME.has(c));
    if (promised !== undefined && Object.keys(n.handlers).length === 0) {
      problems.push({
        code: 'KH-TOSCA-NO-RUNTIME',
        node: n.name,
        message: `node "${n.name}" is a ${promised}, and no Khutulun runtime provides one by itself: implement its Standard operations (create/configure/start) with artifacts, or use a Khutulun type (Process, Container, VirtualMachine...)`,
      });
      continue;
    }
    let count = 1;
    const r = await evaluate(n.count, d.functions, { deployment: d.name, entity: sid });
    if (r.errors.length > 0 || typeof r.value !== 'bigint' || r.value < 0n) {
      problems.push({ code: 'KH-TOSCA-COUNT', node: n.name, message: `node "${n.name}": count must be a non-negative integer${r.errors[0] ? ` (${r.errors[0].message})` : ''}` });
    } else if (r.value > BigInt(limits.maxInstances)) {
      // Checked before any vertex is made: a count of 1e9 is refused, not attempted.
      problems.push({ code: 'KH-TOSCA-LIMIT', node: n.name, message: `node "${n.name}": count ${r.value} is more than ${limits.maxInstances} instances; ${limitHint('maxInstances')}` });
      continue;
    } else count = Number(r.value);
    total += count;
    if (total > limits.maxTotalInstances) {
      problems.push({ code: 'KH-TOSCA-LIMIT', node: n.name, message: `the service asks for more than ${limits.maxTotalInstances} node instances; ${limitHint('maxTotalInstances')}` });
      return { nodes: [], relationships: [], problems };
    }
    counted.push({ node: n, count });
  }
  await writeTemplates(d, s);
  const byTemplate = new Map<string, { node: CompiledNode; paths: string[] }>();
  const creates: Promise<Vertex>[] = [];
  for (const { node: n, count } of counted) {
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const path = `nodes/${nodeName(n.name, i, count)}`;
      paths.push(path);
      creates.push(
        d.create('vertex', {
          id: path,
          origin: `templates/${floriaName(n.name)}`,
          metadata: { ...nodeMetadata(n), 'tosca:index': BigInt(i) },
          classIds: n.classes.map((c) => `classes/${floriaName(c)}`),
          properties: propertyInputs(n.properties),
          handlers: Object.fromEntries(Object.entries(n.handlers).map(([e, hs]) => [e, hs.map((h) => ({ fn: h.fn, args: h.args }))])),
        }),
      );
    }
    byTemplate.set(n.name, { node: n, paths });
  }
  await Promise.all(creates);
  // First pass before edges exist: values reached through relationships fail now and are
  // computed (and reported) by the pass after the edges are made.
  await evaluatePasses(d, [...byTemplate.values()].flatMap((t) => t.paths), maxPasses, []);

  // Requirement slots and their candidates (node filters evaluated with SELF = the candidate).
  const all = [...byTemplate.values()].flatMap(({ node, paths }) => paths.map((p) => ({ node, path: p })));
  const slots: (Slot & { source: string; req: (typeof s.nodes)[number]['requirements'][number]; ordinal: number })[] = [];
  const capacities = new Map<string, number>();
  for (const { node, path } of all) {
    for (const c of node.capabilities) {
      for (const p of c.properties) {
        const v = amount(d.getProperty(d.require('vertex', path).id, p.name)?.value);
        if (v !== undefined) capacities.set(`${path}|${c.name}|${p.name.slice(`capability:${c.name}:`.length)}`, v);
      }
    }
  }
  for (const { node, path } of all) {
    const counters = new Map<string, number>();
    for (const req of node.requirements) {
      if (req.placement) continue; // the scheduler fulfils it (node metadata khutulun:host-filter)
      const candidates: Candidate[] = [];
      for (const t of all) {
        if (t.path === path) continue;
        if (req.nodeTemplate !== undefined && t.node.name !== req.nodeTemplate) continue;
        if (req.nodeType !== undefined && !t.node.classes.includes(req.nodeType)) continue;
        const caps = t.node.capabilities.filter((c) =>
          req.capabilityName !== undefined ? c.name === req.capabilityName : req.capabilityType !== undefined ? c.classes.includes(req.capabilityType) : true,
        );
        if (caps.length === 0) continue;
        if (req.nodeFilter !== undefined) {
          const f = await evaluate(req.nodeFilter, d.functions, { deployment: d.name, entity: d.require('vertex', t.path).id });
          if (f.errors.length > 0 || f.value !== true) continue;
        }
        for (const c of caps) candidates.push({ target: t.path, capability: c.name });
      }
      const allocation: Record<string, number> = {};
      for (const [k, v] of Object.entries(req.allocation ?? {})) {
        const a = amount((await evaluate(v, d.functions, { deployment: d.name, entity: d.require('vertex', path).id })).value);
        if (a !== undefined) allocation[k] = a;
      }
      for (let i = 0; i < Math.min(req.count, limits.maxInstances); i++) {
        const ordinal = counters.get(req.name) ?? 0;
        counters.set(req.name, ordinal + 1);
        slots.push({ key: `${path}#${req.name}[${ordinal}]`, optional: req.optional, candidates, allocation, source: path, req, ordinal });
      }
    }
  }
  const match = matchRequirements(slots, capacities);
  for (const u of match.unfulfilled) {
    problems.push({ code: 'KH-TOSCA-REQUIREMENT', node: u.key.split('#')[0]!, message: `requirement ${u.key.split('#')[1]} of ${u.key.split('#')[0]} cannot be fulfilled: ${u.reason}` });
  }
  const edgePaths: string[] = [];
  await Promise.all(
    slots.flatMap((slot) => {
      const c = match.chosen.get(slot.key);
      if (!c) return [];
      const path = `relationships/${slot.source.slice('nodes/'.length)}.${floriaName(slot.req.name)}.${slot.ordinal}`;
      edgePaths.push(path);
      return [
        d.create('edge', {
          id: path,
          source: slot.source,
          target: c.target,
          metadata: {
            'tosca:kind': 'relationship',
            'tosca:requirement': slot.req.name,
            'tosca:capability': c.capability,
            'tosca:index': BigInt(slot.ordinal),
            ...(slot.req.relationshipType !== undefined && { 'tosca:relationship-type': slot.req.relationshipType }),
            ...(Object.keys(slot.allocation ?? {}).length > 0 && { 'tosca:allocation': stringMap(slot.req.allocation ?? {}) }),
          },
          classIds: slot.req.relationshipClasses.map((x) => `classes/${floriaName(x)}`),
          properties: propertyInputs(slot.req.properties),
          handlers: Object.fromEntries(Object.entries(slot.req.handlers).map(([e, hs]) => [e, hs.map((h) => ({ fn: h.fn, args: h.args }))])),
        }),
      ];
    }),
  );
  // Relationship-dependent properties (get_property through RELATIONSHIP) can be computed now.
  await evaluatePasses(d, [...all.map((a) => a.path), ...edgePaths], maxPasses, problems);
  void graph;
  await d.flush();
  return { nodes: all.map((a) => a.path), relationships: edgePaths, problems };
}

/** Evaluates computed properties; "not yet" errors are retried next pass while progress is made. */
async function evaluatePasses(d: Deployment, paths: readonly string[], maxPasses: number, problems: InstantiateProblem[]): Promise<void> {
  let pending = [...paths];
  for (let pass = 0; pass < maxPasses && pending.length > 0; pass++) {
    const next: string[] = [];
    const last = pass === maxPasses - 1;
    // All entities of a pass at once, so their writes share one Automerge change.
    const results = await Promise.all(
      pending.map(async (p) => {
        const kind = p.startsWith('relationships/') ? 'edge' : 'vertex';
        return [p, await d.updateProperties(d.require(kind, p).id)] as const;
      }),
    );
    for (const [p, errors] of results) {
      const waiting = errors.filter((e) => e.code === NOT_YET);
      if (waiting.length > 0 && !last) next.push(p);
      for (const e of errors) if (e.code !== NOT_YET || last) problems.push({ code: e.code, node: p, message: `${p}: ${e.message}` });
    }
    if (next.length === pending.length) {
      // No progress: a cycle of computed values. Report it once.
      for (const p of next) problems.push({ code: 'KH-TOSCA-CYCLE', node: p, message: `${p}: its computed properties depend on each other in a cycle` });
      return;
    }
    pending = next;
  }
}
