/** One node template -> CompiledNode: effective properties, capabilities, requirements, handlers. */
import type { Expression } from '../../store/index.js';
import type { ArtifactDef, CapabilityDef, InterfaceDef, NodeTemplateDef, PropertyDef, RequirementAssignment, RequirementDef, TypeDef } from '../model/index.js';
import { mergeProperty } from '../semantics/index.js';
import type { CompileContext } from './context.js';
import { scriptOperations } from './script-operations.js';
import type { CompiledArtifact, CompiledCapability, CompiledNode, CompiledRequirement } from './compiled.js';

function mergeDefs(base: ReadonlyMap<string, PropertyDef>, refine: ReadonlyMap<string, PropertyDef>): Map<string, PropertyDef> {
  const out = new Map(base);
  for (const [n, d] of refine) out.set(n, out.has(n) ? mergeProperty(out.get(n)!, d) : d);
  return out;
}

function artifactOf(a: ArtifactDef, ctx: CompileContext, owners: readonly TypeDef[]): CompiledArtifact {
  // The type's chain lets later stages recognise derived artifact types (e.g. of PluginComponent).
  const type = ctx.ref(a.type, 'artifact', owners);
  return {
    name: a.name,
    ...(a.type && { type: a.type.name }),
    ...(type && { types: ctx.hierarchy.chain(type).map((c) => c.name) }),
    ...(a.artifactVersion !== undefined && { version: a.artifactVersion }),
    ...(a.properties.size > 0 && { properties: Object.fromEntries([...a.properties].map(([k, v]) => [k, ctx.expr(v)])) }),
    ...(a.file !== undefined && { file: a.file }),
    ...(a.checksum !== undefined && { checksum: a.checksum }),
    ...(a.checksumAlgorithm !== undefined && { checksumAlgorithm: a.checksumAlgorithm }),
    ...(a.deployPath !== undefined && { deployPath: a.deployPath }),
  };
}

export function compileNode(t: NodeTemplateDef, ctx: CompileContext): CompiledNode | undefined {
  const nodeType = ctx.ref(t.type, 'node');
  if (!nodeType) return undefined;
  const chain = ctx.hierarchy.chain(nodeType);
  const rootFirst = [...chain].reverse();

  // Artifacts: type-level first, the template's override by name.
  const artifacts = new Map<string, ArtifactDef>();
  for (const c of rootFirst) for (const [n, a] of c.artifacts) artifacts.set(n, a);
  for (const [n, a] of t.artifacts) artifacts.set(n, a);
  const artifactFiles = new Map([...artifacts].flatMap(([n, a]) => (a.file ? [[n, a.file] as const] : [])));

  const properties = ctx.properties(
    ctx.hierarchy.effective(nodeType, 'properties'),
    t.properties,
    ctx.hierarchy.effective(nodeType, 'attributes'),
    t.attributes,
    chain,
  );

  // Capabilities: definitions along the chain (refinements narrow), values from the template.
  const capDefs = new Map<string, { def: CapabilityDef; owner: TypeDef }>();
  for (const c of rootFirst) {
    for (const [n, d] of c.capabilities) {
      const prev = capDefs.get(n);
      capDefs.set(n, {
        owner: c,
        def: prev ? { ...prev.def, ...d, type: d.type ?? prev.def.type, properties: mergeDefs(prev.def.properties, d.properties), attributes: mergeDefs(prev.def.attributes, d.attributes) } : d,
      });
    }
  }
  const capabilities: CompiledCapability[] = [];
  for (const [name, { def, owner }] of capDefs) {
    const capType = ctx.ref(def.type, 'capability', [owner, ...chain]);
    const assign = t.capabilities.get(name);
    const props = capType ? mergeDefs(ctx.hierarchy.effective(capType, 'properties'), def.properties) : def.properties;
    const attrs = capType ? mergeDefs(ctx.hierarchy.effective(capType, 'attributes'), def.attributes) : def.attributes;
    const owners = capType ? [...ctx.hierarchy.chain(capType), owner] : [owner];
    const compiled = ctx.properties(props, assign?.properties ?? new Map(), attrs, assign?.attributes ?? new Map(), owners, `capability:${name}:`);
    properties.push(...compiled);
    capabilities.push({
      name,
      type: capType?.name ?? def.type?.name ?? name,
      classes: capType ? ctx.classesOf(capType) : [],
      properties: compiled,
    });
  }

  const requirements = compileRequirements(t, nodeType, chain, ctx);
  const layers: ReadonlyMap<string, InterfaceDef>[] = rootFirst.map((c) => c.interfaces);
  layers.push(t.interfaces);
  const scripts = scriptOperations(layers, artifacts, ctx);

  return {
    name: t.name,
    type: nodeType.name,
    classes: ctx.classesOf(nodeType),
    directives: [...t.directives],
    count: t.count ? ctx.expr(t.count) : 1n,
    properties,
    capabilities,
    requirements,
    handlers: { ...ctx.handlers(layers, artifactFiles), ...scripts.handlers },
    artifacts: [...artifacts.values()].map((a) => artifactOf(a, ctx, chain)),
    metadata: { ...(t.metadata ?? {}), ...(t.description !== undefined && { description: t.description }) },
    ...(scripts.scripts.length > 0 && { scripts: scripts.scripts }),
  };
}

/** Requirement definitions along the chain (child refines parent by name). */
function requirementDefs(chain: readonly TypeDef[]): Map<string, { def: RequirementDef; owner: TypeDef }> {
  const out = new Map<string, { def: RequirementDef; owner: TypeDef }>();
  for (const c of [...chain].reverse()) {
    for (const d of c.requirements) {
      const prev = out.get(d.name);
      out.set(d.name, { owner: c, def: prev ? { ...prev.def, ...d, ...(d.capability ?? prev.def.capability ? { capability: d.capability ?? prev.def.capability } : {}) } : d });
    }
  }
  return out;
}

function compileRequirements(t: NodeTemplateDef, nodeType: TypeDef, chain: readonly TypeDef[], ctx: CompileContext): CompiledRequirement[] {
  const defs = requirementDefs(chain);
  const out: CompiledRequirement[] = [];
  const assigned = new Map<string, number>();
  for (const a of t.requirements) {
    const d = defs.get(a.name);
    const r = compileRequirement(a.name, d?.def, a, d ? [d.owner, ...chain] : chain, ctx);
    out.push(r);
    assigned.set(a.name, (assigned.get(a.name) ?? 0) + r.count);
  }
  // Unassigned requirements whose count_range asks for at least one are fulfilled automatically.
  for (const [name, { def, owner }] of defs) {
    const lower = def.countRange?.[0] ?? 1;
    const have = assigned.get(name) ?? 0;
    if (have >= lower) continue;
    out.push(compileRequirement(name, def, undefined, [owner, ...chain], ctx, lower - have));
  }
  void nodeType;
  return out;
}

/** The capability type of the cluster's hosts (profiles/khutulun): requirements for it are placement. */
const PLACEMENT_CAPABILITY = 'AgentHost';

function compileRequirement(
  name: string,
  def: RequirementDef | undefined,
  a: RequirementAssignment | undefined,
  owners: readonly TypeDef[],
  ctx: CompileContext,
  slots?: number,
): CompiledRequirement {
  // `node` names a template (assignment) or a type; `capability` a capability name or type.
  const nodeRef = a?.node ?? a?.nodeCapability ?? def?.node;
  const isTemplate = nodeRef !== undefined && a !== undefined && (a.node ?? a.nodeCapability) === nodeRef && ctx.templateNames.has(nodeRef.name);
  const capRef = a?.capability ?? def?.capability;
  const capType = capRef ? ctx.type(capRef.name, 'capability', owners) : undefined;
  // `relationship: NAME` (single-line form) names a relationship template of the service, or else
  // refines the relationship type (TOSCA 2.0 8.5.2).
  const relTemplate = a?.relationshipTemplate ? ctx.relationshipTemplates.get(a.relationshipTemplate.name) : undefined;
  const relType =
    ctx.ref(a?.relationshipType, 'relationship', owners) ??
    ctx.ref(relTemplate?.type, 'relationship') ??
    (a?.relationshipTemplate && !relTemplate ? ctx.ref(a.relationshipTemplate, 'relationship', owners) : undefined) ??
    ctx.ref(def?.relationship?.type, 'relationship', owners);
  const relChain = relType ? ctx.hierarchy.chain(relType) : [];
  const relAssigned = new Map([...(relTemplate?.properties ?? []), ...(a?.relationshipProperties ?? [])]);
  const relProps = relType ? ctx.properties(ctx.hierarchy.effective(relType, 'properties'), relAssigned, ctx.hierarchy.effective(relType, 'attributes'), relTemplate?.attributes ?? new Map(), relChain) : [];
  const layers: ReadonlyMap<string, InterfaceDef>[] = [...relChain].reverse().map((c) => c.interfaces);
  if (def?.relationship) layers.push(def.relationship.interfaces);
  if (relTemplate) layers.push(relTemplate.interfaces);
  if (a) layers.push(a.relationshipInterfaces);
  const allocation = a?.allocation;
  const allocationMap: Record<string, Expression> = {};
  if (allocation?.kind === 'map') {
    const props = allocation.entries.find((e) => e.key.kind === 'scalar' && e.key.value === 'properties')?.value ?? allocation;
    if (props.kind === 'map') for (const e of props.entries) if (e.key.kind === 'scalar') allocationMap[String(e.key.value)] = ctx.expr(e.value);
  }
  const scripts = scriptOperations(layers, new Map(), ctx);
  const filter = a?.nodeFilter ?? def?.nodeFilter;
  const lower = def?.countRange?.[0] ?? 1;
  return {
    name,
    count: slots ?? a?.count?.value ?? 1,
    optional: a?.optional === true || (a === undefined && lower === 0),
    ...(nodeRef && isTemplate && { nodeTemplate: nodeRef.name }),
    ...(nodeRef && !isTemplate && { nodeType: ctx.type(nodeRef.name, 'node', owners)?.name ?? nodeRef.name }),
    ...(capRef && (capType ? { capabilityType: capType.name } : { capabilityName: capRef.name })),
    ...(relType && { relationshipType: relType.name }),
    relationshipClasses: relType ? ctx.classesOf(relType) : [],
    properties: relProps,
    handlers: { ...ctx.handlers(layers, new Map()), ...scripts.handlers },
    ...(scripts.scripts.length > 0 && { scripts: scripts.scripts }),
    ...(filter && { nodeFilter: ctx.expr(filter) }),
    ...(Object.keys(allocationMap).length > 0 && { allocation: allocationMap }),
    ...(capType && ctx.hierarchy.chain(capType).some((t) => t.name === PLACEMENT_CAPABILITY) && { placement: true }),
  };
}
