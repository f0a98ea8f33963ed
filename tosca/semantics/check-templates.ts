/**
 * Checks the service template against the types: node templates (properties, requirements with
 * count_range, capabilities, interfaces), groups, policies, workflows, inputs and outputs.
 */
import { Codes, type Position } from '../problems/index.js';
import type { PNode } from '../reader/index.js';
import type { PropertyDef, RequirementAssignment, RequirementDef, ServiceTemplateDef, TypeDef, Value } from '../model/index.js';
import type { Scope } from './scope.js';
import { checkPropertyDef } from './check-types.js';
import { toValue } from './functions.js';
import { checkValue, type ValueContext } from './values.js';
import { checkWorkflows } from './check-workflows.js';
import { checkGroupsAndPolicies, checkInterfaceAssignments, checkSubstitution } from './check-mappings.js';

/** Checks assignments against effective definitions: declared, typed, required ones present. */
function checkAssignments(
  values: ReadonlyMap<string, PNode>,
  defs: Map<string, PropertyDef>,
  owner: TypeDef,
  ctx: ValueContext & { at: Position },
  what: string,
  requireAll: boolean,
): void {
  const scope = ctx.hierarchy.scopeOf(owner);
  for (const [k, v] of values) {
    const d = defs.get(k);
    if (!d) {
      ctx.sink.report(v.pos, Codes.NameUndeclared, `"${k}" is not declared by ${owner.name} (${what}); declared: ${[...defs.keys()].join(', ') || 'none'}`);
      toValue(v, ctx);
      continue;
    }
    if (d.value !== undefined) ctx.sink.report(v.pos, Codes.ValueInvalid, `"${k}" has a fixed value in ${owner.name} and cannot be assigned`);
    const t = d.type && scope ? scope.find(d.type.name, 'data') : undefined;
    checkValue(v, t?.kind === 'data' ? t : undefined, d, ctx, `"${k}" (${what})`);
  }
  if (!requireAll) return;
  for (const [k, d] of defs) {
    if (!values.has(k) && d.required !== false && d.default === undefined && d.value === undefined) {
      ctx.sink.report(ctx.at, Codes.ValueRequired, `the required property "${k}" of ${owner.name} has no value and no default: assign it (${what})`);
    }
  }
}

/** Walks a Value tree collecting calls (bounded by the tree size). */
function calls(v: Value, out: Array<Extract<Value, { kind: 'call' }>>): void {
  if (v.kind === 'call') {
    out.push(v);
    v.args.forEach((a) => calls(a, out));
  } else if (v.kind === 'list') v.items.forEach((i) => calls(i, out));
  else if (v.kind === 'map') v.entries.forEach((e) => (calls(e.key, out), calls(e.value, out)));
}

export function checkServiceTemplate(st: ServiceTemplateDef, scope: Scope, outer: ValueContext): void {
  const ctx: ValueContext = { ...outer, templates: st.nodeTemplates };
  const h = ctx.hierarchy;
  const condition = (n: PNode | undefined, what: string): void => {
    if (n === undefined) return;
    const v = toValue(n, ctx);
    // 2.0 filters are boolean conditions (8.6); 1.3 used property/capability maps.
    if (v.kind !== 'call' && !ctx.legacy) ctx.sink.report(n.pos, Codes.Shape, `${what} must be a condition (a boolean function such as $and or $equal), not ${v.kind === 'map' ? 'a map' : 'a value'}`);
  };
  const inputTypes = new Map<string, TypeDef | undefined>();
  for (const [n, p] of st.inputs) inputTypes.set(n, checkPropertyDef(p, scope, ctx, `the input "${n}"`));
  const checkGetInput = (n: PNode, declared: ReadonlyMap<string, unknown>): void => {
    const found: Array<Extract<Value, { kind: 'call' }>> = [];
    calls(toValue(n, { ...ctx, sink: { report: () => undefined } as unknown as ValueContext['sink'] }), found);
    for (const c of found) {
      if (c.name !== 'get_input') continue;
      const first = c.args[0];
      const name = first?.kind === 'scalar' ? String(first.value) : first?.kind === 'list' && first.items[0]?.kind === 'scalar' ? String(first.items[0].value) : undefined;
      if (name !== undefined && !declared.has(name)) {
        ctx.sink.report(c.pos, Codes.NameUndeclared, `${ctx.legacy ? '' : '$'}get_input refers to "${name}", which is not a declared input; declared: ${[...declared.keys()].join(', ') || 'none'}`);
      }
    }
  };
  const nodes = st.nodeTemplates;
  /** Capabilities of a node type along its chain: name -> capability type (resolved where declared). */
  const capabilitiesOf = (t: TypeDef): Map<string, TypeDef | undefined> => {
    const out = new Map<string, TypeDef | undefined>();
    for (const c of h.chain(t).reverse()) {
      for (const [cn, cd] of c.capabilities) {
        const ct = cd.type ? h.scopeOf(c)?.find(cd.type.name, 'capability') : undefined;
        out.set(cn, ct?.kind === 'capability' ? ct : out.get(cn));
      }
    }
    return out;
  };
  /**
   * A requirement that names a node template must find what it needs there (8.5): the target's
   * type derives from the definition's node type, and it has the named capability or one whose
   * type derives from the definition's capability type.
   */
  const checkTarget = (r: RequirementAssignment, def: RequirementDef, owner: TypeDef | undefined, source: string): void => {
    const target = nodes.get(r.node!.name);
    const tt = target?.type ? scope.find(target.type.name, 'node') : undefined;
    if (!tt || tt.kind !== 'node' || !owner) return;
    const ownerScope = h.scopeOf(owner) ?? scope;
    if (def.node) {
      const nt = ownerScope.find(def.node.name, 'node');
      if (nt?.kind === 'node' && !h.derivesFrom(tt, nt)) {
        ctx.sink.report(r.node!.pos, Codes.RequirementTarget, `requirement "${r.name}" of "${source}" needs a ${nt.name} node, but "${target!.name}" is a ${tt.name}`);
        return;
      }
    }
    const caps = capabilitiesOf(tt);
    const wanted = r.capability?.name ?? def.capability?.name;
    if (wanted === undefined) return;
    if (caps.has(wanted)) return; // a capability name of the target
    const ct = (r.capability ? scope : ownerScope).find(wanted, 'capability');
    if (ct?.kind !== 'capability') {
      if (r.capability) ctx.sink.report(r.capability.pos, Codes.RequirementTarget, `"${target!.name}" has no capability "${wanted}", and "${wanted}" is not a capability type`);
      return;
    }
    if (![...caps.values()].some((c) => c !== undefined && h.derivesFrom(c, ct))) {
      ctx.sink.report(r.node!.pos, Codes.RequirementTarget, `requirement "${r.name}" of "${source}" needs a capability of type ${ct.name}, but node template "${target!.name}" (${tt.name}) has none`);
    }
  };
  for (const [name, nt] of nodes) {
    const t = scope.resolve(nt.type, 'node', ctx.sink, `the type of node template "${name}"`);
    if (nt.copy && !nodes.has(nt.copy.name)) ctx.sink.report(nt.copy.pos, Codes.TemplateUnknown, `copy refers to "${nt.copy.name}", which is not a node template`);
    // Every value of the template may call get_input: properties, attributes, capabilities,
    // requirements (relationship properties, allocation), interface and operation inputs, count.
    const values: PNode[] = [...nt.properties.values(), ...nt.attributes.values()];
    for (const c of nt.capabilities.values()) values.push(...c.properties.values(), ...c.attributes.values());
    for (const r of nt.requirements) {
      values.push(...r.relationshipProperties.values());
      if (r.allocation) values.push(r.allocation);
    }
    for (const i of nt.interfaces.values()) {
      values.push(...i.inputValues.values());
      for (const o of i.operations.values()) values.push(...o.inputValues.values());
    }
    if (nt.count) values.push(nt.count);
    for (const v of values) checkGetInput(v, st.inputs);
    if (!t) {
      for (const v of nt.properties.values()) toValue(v, ctx);
      continue;
    }
    condition(nt.nodeFilter, `the node_filter of node template "${name}"`);
    for (const r of nt.requirements) {
      condition(r.nodeFilter, `the node_filter of requirement "${r.name}"`);
      if (r.allocation) toValue(r.allocation, ctx);
      for (const v of r.relationshipProperties.values()) toValue(v, ctx);
    }
    if (nt.count !== undefined) toValue(nt.count, ctx);
    const abstract = nt.directives.includes('select') || nt.directives.includes('substitute') || nt.copy !== undefined;
    checkAssignments(nt.properties, h.effective(t, 'properties'), t, { ...ctx, at: nt.pos }, `properties of node template "${name}"`, !abstract);
    checkAssignments(nt.attributes, h.effective(t, 'attributes'), t, { ...ctx, at: nt.pos }, `attributes of node template "${name}"`, false);
    const chain = h.chain(t);
    const reqDefs = new Map<string, (typeof t.requirements)[number]>();
    const reqOwner = new Map<string, TypeDef>();
    for (const c of [...chain].reverse()) {
      for (const r of c.requirements) {
        reqDefs.set(r.name, { ...reqDefs.get(r.name), ...r });
        reqOwner.set(r.name, c);
      }
    }
    const counts = new Map<string, number>();
    for (const r of nt.requirements) {
      const def = reqDefs.get(r.name);
      if (!def) {
        ctx.sink.report(r.pos, Codes.NameUndeclared, `the node type ${t.name} has no requirement "${r.name}"; declared: ${[...reqDefs.keys()].join(', ') || 'none'}`);
        continue;
      }
      counts.set(r.name, (counts.get(r.name) ?? 0) + (r.count?.value ?? 1));
      if (r.node && nodes.has(r.node.name)) checkTarget(r, def, reqOwner.get(r.name), name);
      if (r.node && !nodes.has(r.node.name)) {
        const nodeType = scope.find(r.node.name, 'node');
        if (!nodeType) ctx.sink.report(r.node.pos, Codes.TemplateUnknown, `requirement "${r.name}" targets "${r.node.name}", which is neither a node template nor a node type`);
        else if (nodeType.kind !== 'node') ctx.sink.report(r.node.pos, Codes.TypeKind, `requirement "${r.name}" targets "${r.node.name}", a ${nodeType.kind} type`);
      }
      if (r.relationshipType) scope.resolve(r.relationshipType, 'relationship', ctx.sink, `the relationship of requirement "${r.name}"`);
      if (r.relationshipTemplate && !st.relationshipTemplates.has(r.relationshipTemplate.name) && !scope.find(r.relationshipTemplate.name, 'relationship')) {
        ctx.sink.report(r.relationshipTemplate.pos, Codes.TemplateUnknown, `relationship "${r.relationshipTemplate.name}" is neither a relationship template nor a relationship type`);
      }
    }
    for (const [rn, def] of reqDefs) {
      const [lo, hi] = def.countRange ?? [0, Infinity];
      const n = counts.get(rn) ?? 0;
      if (n > hi) ctx.sink.report(nt.pos, Codes.RequirementCount, `node template "${name}" assigns requirement "${rn}" ${n} times, but its count_range allows at most ${hi}`);
      // Under-count: unassigned requirements are fulfilled by the orchestrator, but explicit ones must reach the minimum.
      if (n > 0 && n < lo) ctx.sink.report(nt.pos, Codes.RequirementCount, `node template "${name}" assigns requirement "${rn}" ${n} times, but its count_range needs at least ${lo}`);
    }
    const capDefs = new Map<string, TypeDef['capabilities'] extends ReadonlyMap<string, infer C> ? C : never>();
    for (const c of [...chain].reverse()) for (const [k, v] of c.capabilities) capDefs.set(k, { ...capDefs.get(k), ...v });
    for (const [cn, ca] of nt.capabilities) {
      const cd = capDefs.get(cn);
      if (!cd) {
        ctx.sink.report(ca.pos, Codes.NameUndeclared, `the node type ${t.name} has no capability "${cn}"`);
        continue;
      }
      const ct = cd.type ? h.scopeOf(chain.find((c) => c.capabilities.has(cn))!)?.find(cd.type.name, 'capability') : undefined;
      if (ct?.kind === 'capability') {
        checkAssignments(ca.properties, h.effective(ct, 'properties'), ct, { ...ctx, at: ca.pos }, `capability "${cn}" of "${name}"`, false);
      }
    }
    if (!abstract) {
      // Required capability properties need a value too (9.5), from the template or a default.
      for (const [cn, cd] of capDefs) {
        const owner = chain.find((c) => c.capabilities.has(cn));
        const ct = cd.type && owner ? h.scopeOf(owner)?.find(cd.type.name, 'capability') : undefined;
        if (ct?.kind !== 'capability') continue;
        const defs = h.effective(ct, 'properties');
        for (const [pn, pd] of cd.properties) defs.set(pn, { ...defs.get(pn), ...pd } as PropertyDef);
        const given = nt.capabilities.get(cn)?.properties ?? new Map<string, PNode>();
        for (const [pn, pd] of defs) {
          if (!given.has(pn) && pd.required !== false && pd.default === undefined && pd.value === undefined) {
            ctx.sink.report(nt.capabilities.get(cn)?.pos ?? nt.pos, Codes.ValueRequired, `the required property "${pn}" of capability "${cn}" (${ct.name}) has no value and no default in node template "${name}"`);
          }
        }
      }
    }
    checkInterfaceAssignments(nt.interfaces, t, ctx, `node template "${name}"`);
    for (const [, a] of nt.artifacts) scope.resolve(a.type, 'artifact', ctx.sink, `the type of artifact "${a.name}"`);
  }
  for (const [name, rt] of st.relationshipTemplates) {
    const t = scope.resolve(rt.type, 'relationship', ctx.sink, `the type of relationship template "${name}"`);
    if (t) checkAssignments(rt.properties, h.effective(t, 'properties'), t, { ...ctx, at: rt.pos }, `properties of relationship template "${name}"`, rt.copy === undefined);
  }
  for (const [name, g] of st.groups) {
    const t = scope.resolve(g.type, 'group', ctx.sink, `the type of group "${name}"`);
    for (const m of g.members) if (!nodes.has(m.name)) ctx.sink.report(m.pos, Codes.TemplateUnknown, `group "${name}" lists "${m.name}", which is not a node template`);
    if (t) checkAssignments(g.properties, h.effective(t, 'properties'), t, { ...ctx, at: g.pos }, `properties of group "${name}"`, true);
  }
  for (const p of st.policies) {
    const t = scope.resolve(p.type, 'policy', ctx.sink, `the type of policy "${p.name}"`);
    for (const m of p.targets) if (!nodes.has(m.name) && !st.groups.has(m.name)) ctx.sink.report(m.pos, Codes.TemplateUnknown, `policy "${p.name}" targets "${m.name}", which is neither a node template nor a group`);
    if (t) checkAssignments(p.properties, h.effective(t, 'properties'), t, { ...ctx, at: p.pos }, `properties of policy "${p.name}"`, true);
  }
  for (const [n, o] of st.outputs) {
    checkPropertyDef(o, scope, ctx, `the output "${n}"`);
    if (o.value) checkGetInput(o.value, st.inputs);
  }
  for (const p of st.policies) for (const t of p.triggers.values()) {
    condition(t.condition, `the condition of trigger "${t.name}"`);
    for (const a of t.action) toValue(a, ctx);
  }
  if (st.substitutionMappings?.substitutionFilter) condition(st.substitutionMappings.substitutionFilter, 'the substitution_filter');
  checkWorkflows(st, scope, ctx);
  checkGroupsAndPolicies(st, scope, ctx);
  checkSubstitution(st, scope, ctx);
  if (st.substitutionMappings?.nodeType) scope.resolve(st.substitutionMappings.nodeType, 'node', ctx.sink, 'the substituted node type');
}
