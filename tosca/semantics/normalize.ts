/**
 * Builds the normalized service template from a validated model: inheritance applied, defaults
 * and fixed values filled in, values converted to `Value`. Pure: it reads the model only.
 */
import { ProblemSink } from '../problems/index.js';
import type { PNode } from '../reader/index.js';
import type {
  ArtifactDef,
  NormalizedCapability,
  NormalizedInterface,
  NormalizedNodeTemplate,
  NormalizedOperation,
  NormalizedRequirement,
  NormalizedServiceTemplate,
  PropertyDef,
  ServiceTemplateDef,
  TypeDef,
  Value,
} from '../model/index.js';
import type { Hierarchy } from './hierarchy.js';
import type { Scope } from './scope.js';
import { toValue, type FunctionContext } from './functions.js';

function effectiveValues(given: ReadonlyMap<string, PNode>, defs: Map<string, PropertyDef>, conv: (n: PNode) => Value): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const [k, d] of defs) {
    const n = d.value ?? given.get(k) ?? d.default;
    if (n !== undefined) out.set(k, conv(n));
  }
  for (const [k, n] of given) if (!out.has(k)) out.set(k, conv(n));
  return out;
}

export function normalizeServiceTemplate(st: ServiceTemplateDef, scope: Scope, h: Hierarchy, legacy = false): NormalizedServiceTemplate {
  // Problems were reported during validation; normalizing again must not report twice.
  const ctx: FunctionContext = { sink: new ProblemSink(), scope, legacy };
  const conv = (n: PNode): Value => toValue(n, ctx);
  const nodeTemplates = new Map<string, NormalizedNodeTemplate>();
  for (const [name, nt] of st.nodeTemplates) {
    const t = nt.type ? scope.find(nt.type.name, 'node') : undefined;
    if (t?.kind !== 'node') continue;
    const chain = h.chain(t);
    const capabilities = new Map<string, NormalizedCapability>();
    for (const c of [...chain].reverse()) {
      for (const [cn, cd] of c.capabilities) {
        const ct = cd.type ? h.scopeOf(c)?.find(cd.type.name, 'capability') : capabilities.get(cn)?.type;
        const defs = ct?.kind === 'capability' ? h.effective(ct, 'properties') : new Map<string, PropertyDef>();
        for (const [pn, pd] of cd.properties) defs.set(pn, { ...defs.get(pn), ...pd } as PropertyDef);
        const assigned = nt.capabilities.get(cn);
        capabilities.set(cn, {
          name: cn,
          ...(ct?.kind === 'capability' && { type: ct }),
          properties: effectiveValues(assigned?.properties ?? new Map(), defs, conv),
          attributes: effectiveValues(assigned?.attributes ?? new Map(), ct?.kind === 'capability' ? h.effective(ct, 'attributes') : new Map(), conv),
        });
      }
    }
    const reqDefs = new Map<string, TypeDef['requirements'][number]>();
    for (const c of [...chain].reverse()) for (const r of c.requirements) reqDefs.set(r.name, { ...reqDefs.get(r.name), ...r });
    const requirements: NormalizedRequirement[] = nt.requirements.map((r) => {
      const d = reqDefs.get(r.name);
      const node = r.node?.name ?? d?.node?.name;
      const capability = r.capability?.name ?? d?.capability?.name;
      const relationship = r.relationshipTemplate?.name ?? r.relationshipType?.name ?? d?.relationship?.type?.name;
      return {
        name: r.name,
        pos: r.pos,
        ...(node !== undefined && { node }),
        ...(capability !== undefined && { capability }),
        ...(relationship !== undefined && { relationship }),
        count: r.count?.value ?? 1,
        optional: r.optional ?? false,
        directives: r.directives ?? [],
        ...(r.nodeFilter !== undefined && { nodeFilter: conv(r.nodeFilter) }),
        ...(r.allocation !== undefined && { allocation: conv(r.allocation) }),
        relationshipProperties: new Map([...r.relationshipProperties].map(([k, v]) => [k, conv(v)])),
        countRange: d?.countRange ?? [0, Infinity],
      };
    });
    const interfaces = new Map<string, NormalizedInterface>();
    for (const c of [...chain].reverse()) {
      for (const [iname, idef] of c.interfaces) {
        const prev = interfaces.get(iname);
        const it = idef.type ? h.scopeOf(c)?.find(idef.type.name, 'interface') : prev?.type;
        const ops = new Map<string, NormalizedOperation>(prev?.operations ?? []);
        if (it?.kind === 'interface') for (const x of [...h.chain(it)].reverse()) for (const [on] of x.operations) if (!ops.has(on)) ops.set(on, { name: on, inputs: new Map() });
        for (const [on, od] of idef.operations) {
          const impl = od.implementation?.primary;
          ops.set(on, {
            name: on,
            ...(impl !== undefined && { implementation: 'kind' in impl || 'properties' in impl ? (impl as ArtifactDef) : impl.name }),
            inputs: new Map([...(ops.get(on)?.inputs ?? []), ...[...od.inputs].filter(([, p]) => p.value !== undefined || p.default !== undefined).map(([k, p]) => [k, conv((p.value ?? p.default)!)] as const)]),
          });
        }
        interfaces.set(iname, { name: iname, ...(it?.kind === 'interface' && { type: it }), inputs: prev?.inputs ?? new Map(), operations: ops });
      }
    }
    for (const [iname, ia] of nt.interfaces) {
      const base = interfaces.get(iname);
      if (!base) continue;
      const ops = new Map(base.operations);
      for (const [on, oa] of ia.operations) {
        const prev = ops.get(on);
        const impl = oa.implementation?.primary;
        ops.set(on, {
          name: on,
          ...(impl !== undefined ? { implementation: 'properties' in impl ? (impl as ArtifactDef) : impl.name } : prev?.implementation !== undefined ? { implementation: prev.implementation } : {}),
          inputs: new Map([...(prev?.inputs ?? []), ...[...oa.inputValues].map(([k, v]) => [k, conv(v)] as const)]),
        });
      }
      interfaces.set(iname, { ...base, inputs: new Map([...base.inputs, ...[...ia.inputValues].map(([k, v]) => [k, conv(v)] as const)]), operations: ops });
    }
    const artifacts = new Map<string, ArtifactDef>();
    for (const c of [...chain].reverse()) for (const [k, a] of c.artifacts) artifacts.set(k, a);
    for (const [k, a] of nt.artifacts) artifacts.set(k, a);
    nodeTemplates.set(name, {
      name,
      pos: nt.pos,
      type: t,
      typeChain: chain.map((c) => c.name),
      directives: nt.directives,
      count: nt.count !== undefined ? conv(nt.count) : { kind: 'scalar', value: 1, float: false, pos: nt.pos },
      properties: effectiveValues(nt.properties, h.effective(t, 'properties'), conv),
      attributes: effectiveValues(nt.attributes, h.effective(t, 'attributes'), conv),
      capabilities,
      requirements,
      interfaces,
      artifacts,
      ...(nt.nodeFilter !== undefined && { nodeFilter: conv(nt.nodeFilter) }),
    });
  }
  const inputs = new Map<string, { type?: TypeDef; default?: Value; required: boolean }>();
  for (const [k, p] of st.inputs) {
    const t = p.type ? scope.find(p.type.name, 'data') : undefined;
    inputs.set(k, { ...(t && { type: t }), ...(p.default !== undefined && { default: conv(p.default) }), required: p.required !== false });
  }
  const outputs = new Map<string, Value>();
  for (const [k, p] of st.outputs) if (p.value !== undefined) outputs.set(k, conv(p.value));
  return { inputs, outputs, nodeTemplates };
}
