/**
 * Checks that need the whole template: interface assignments name declared operations, group
 * members and policy targets have types their group/policy type allows, and substitution
 * mappings (15) point at inputs, node templates, capabilities and requirements that exist.
 */
import { Codes } from '../problems/index.js';
import { isList, isString, keyText, type PNode } from '../reader/index.js';
import type { InterfaceDef, Ref, ServiceTemplateDef, TypeDef } from '../model/index.js';
import type { Scope } from './scope.js';
import type { ValueContext } from './values.js';

/** Operations (and notifications) an interface offers on a type: from the definitions and their interface types. */
export function interfaceOperations(t: TypeDef, iface: string, ctx: ValueContext): Set<string> | undefined {
  const h = ctx.hierarchy;
  let found = false;
  const ops = new Set<string>();
  for (const c of h.chain(t)) {
    const d = c.interfaces.get(iface);
    if (!d) continue;
    found = true;
    for (const k of [...d.operations.keys(), ...d.notifications.keys()]) ops.add(k);
    const it = d.type ? h.scopeOf(c)?.find(d.type.name, 'interface') : undefined;
    if (it?.kind === 'interface') for (const x of h.chain(it)) for (const k of [...x.operations.keys(), ...x.notifications.keys()]) ops.add(k);
  }
  return found ? ops : undefined;
}

export function checkInterfaceAssignments(assigned: ReadonlyMap<string, InterfaceDef>, t: TypeDef, ctx: ValueContext, what: string): void {
  for (const [iname, ia] of assigned) {
    const ops = interfaceOperations(t, iname, ctx);
    if (!ops) {
      ctx.sink.report(ia.pos, Codes.NameUndeclared, `${t.name} has no interface "${iname}" (${what})`);
      continue;
    }
    for (const [op, o] of [...ia.operations, ...ia.notifications]) {
      if (!ops.has(op)) ctx.sink.report(o.pos, Codes.NameUndeclared, `the interface "${iname}" of ${t.name} has no operation or notification "${op}" (${what}); declared: ${[...ops].join(', ') || 'none'}`);
    }
  }
}

function allowedBy(t: TypeDef | undefined, allowed: readonly Ref[] | undefined, owner: TypeDef, ctx: ValueContext): boolean {
  if (!t || !allowed || allowed.length === 0) return true;
  const scope = ctx.hierarchy.scopeOf(owner);
  return allowed.some((r) => {
    const a = scope?.find(r.name, t.kind);
    return a !== undefined && ctx.hierarchy.derivesFrom(t, a);
  });
}

function inherited<K extends 'members' | 'targets'>(t: TypeDef, key: K, ctx: ValueContext): { list: readonly Ref[]; owner: TypeDef } | undefined {
  for (const c of ctx.hierarchy.chain(t)) if (c[key]) return { list: c[key]!, owner: c };
  return undefined;
}

export function checkGroupsAndPolicies(st: ServiceTemplateDef, scope: Scope, ctx: ValueContext): void {
  const typeOf = (name: string, kind: 'node' | 'group'): TypeDef | undefined => {
    const tpl = kind === 'node' ? st.nodeTemplates.get(name) : st.groups.get(name);
    const t = tpl?.type ? scope.find(tpl.type.name, kind) : undefined;
    return t?.kind === kind ? t : undefined;
  };
  for (const [gname, g] of st.groups) {
    const gt = g.type ? scope.find(g.type.name, 'group') : undefined;
    if (gt?.kind !== 'group') continue;
    const allowed = inherited(gt, 'members', ctx);
    for (const m of g.members) {
      const mt = typeOf(m.name, 'node');
      if (allowed && mt && !allowedBy(mt, allowed.list, allowed.owner, ctx)) {
        ctx.sink.report(m.pos, Codes.TypeKind, `group "${gname}" (${gt.name}) allows members of type ${allowed.list.map((r) => r.name).join(', ')}, but "${m.name}" is a ${mt.name}`);
      }
    }
  }
  for (const p of st.policies) {
    const pt = p.type ? scope.find(p.type.name, 'policy') : undefined;
    if (pt?.kind !== 'policy') continue;
    const allowed = inherited(pt, 'targets', ctx);
    if (!allowed) continue;
    for (const t of p.targets) {
      const tt = typeOf(t.name, 'node') ?? typeOf(t.name, 'group');
      if (tt && !allowed.list.some((r) => {
        const a = ctx.hierarchy.scopeOf(allowed.owner)?.find(r.name, tt.kind);
        return a !== undefined && a.kind === tt.kind && ctx.hierarchy.derivesFrom(tt, a);
      })) {
        ctx.sink.report(t.pos, Codes.TypeKind, `policy "${p.name}" (${pt.name}) allows targets of type ${allowed.list.map((r) => r.name).join(', ')}, but "${t.name}" is a ${tt.name}`);
      }
    }
  }
}

/** `[a, b]` with string entries, or undefined. */
function pair(n: PNode): string[] | undefined {
  return isList(n) && n.items.every(isString) ? n.items.map((i) => (i as { value: string }).value) : undefined;
}

export function checkSubstitution(st: ServiceTemplateDef, scope: Scope, ctx: ValueContext): void {
  const sm = st.substitutionMappings;
  if (!sm?.nodeType) return;
  const nt = scope.find(sm.nodeType.name, 'node');
  if (nt?.kind !== 'node') return;
  const h = ctx.hierarchy;
  const props = h.effective(nt, 'properties');
  for (const [k, v] of sm.properties) {
    if (!props.has(k)) ctx.sink.report(v.pos, Codes.Substitution, `the substituted type ${nt.name} has no property "${k}"`);
    const p = pair(v);
    if (p && p.length === 1 && !st.inputs.has(p[0]!)) ctx.sink.report(v.pos, Codes.Substitution, `property mapping "${k}" refers to "${p[0]}", which is not an input`);
  }
  const capNames = new Set<string>();
  for (const c of h.chain(nt)) for (const k of c.capabilities.keys()) capNames.add(k);
  for (const [k, v] of sm.capabilities) {
    if (!capNames.has(k)) ctx.sink.report(v.pos, Codes.Substitution, `the substituted type ${nt.name} has no capability "${k}"`);
    const p = pair(v);
    if (!p || p.length !== 2) {
      ctx.sink.report(v.pos, Codes.Substitution, `capability mapping "${k}" must be [ <node_template>, <capability> ]`);
      continue;
    }
    checkMappedName(p, 'capability', st, scope, ctx, v, k);
  }
  const reqNames = new Set<string>();
  for (const c of h.chain(nt)) for (const r of c.requirements) reqNames.add(r.name);
  const unbounded = new Set<string>();
  const selectable = (name: string): boolean => st.nodeTemplates.get(name)?.directives.includes('select') === true;
  for (const r of sm.requirements) {
    if (!reqNames.has(r.name)) ctx.sink.report(r.pos, Codes.Substitution, `the substituted type ${nt.name} has no requirement "${r.name}"`);
    // 15.5: no mapping of a requirement may follow one with an UNBOUNDED count.
    if (unbounded.has(r.name)) ctx.sink.report(r.pos, Codes.Substitution, `requirement mapping "${r.name}" follows one with count UNBOUNDED, which takes all the remaining assignments`);
    if (r.count === 'UNBOUNDED') unbounded.add(r.name);
    // `<requirement_name>: <selectable_node_template_name>`, or a list of selectable node templates.
    if (isString(r.value)) {
      if (!selectable(r.value.value)) ctx.sink.report(r.value.pos, Codes.Substitution, `requirement mapping "${r.name}" names "${r.value.value}", which is not a node template with the select directive`);
      continue;
    }
    const p = pair(r.value);
    const tpl = p?.[0] !== undefined ? st.nodeTemplates.get(p[0]) : undefined;
    const isPair = p?.length === 2 && tpl !== undefined && !selectable(p[1]!);
    if (p && !isPair && p.length > 0 && p.every(selectable)) continue;
    if (!p || p.length !== 2) {
      ctx.sink.report(r.value.pos, Codes.Substitution, `requirement mapping "${r.name}" must be [ <node_template>, <requirement> ] or selectable node templates`);
      continue;
    }
    checkMappedName(p, 'requirement', st, scope, ctx, r.value, r.name);
  }
  for (const [k, v] of sm.interfaces) {
    if (!interfaceOperations(nt, k, ctx)) ctx.sink.report(v.pos, Codes.Substitution, `the substituted type ${nt.name} has no interface "${k}"`);
    if (v.kind === 'map') for (const e of v.entries) {
      if (isString(e.value) && !st.workflows.has(e.value.value)) ctx.sink.report(e.value.pos, Codes.Substitution, `interface mapping "${k}.${keyText(e.key)}" refers to "${e.value.value}", which is not a workflow`);
    }
  }
}

function checkMappedName(p: string[], kind: 'capability' | 'requirement', st: ServiceTemplateDef, scope: Scope, ctx: ValueContext, at: PNode, name: string): void {
  const [tplName, inner] = p as [string, string];
  const tpl = st.nodeTemplates.get(tplName);
  if (!tpl) {
    ctx.sink.report(at.pos, Codes.Substitution, `${kind} mapping "${name}" refers to "${tplName}", which is not a node template`);
    return;
  }
  const t = tpl.type ? scope.find(tpl.type.name, 'node') : undefined;
  if (t?.kind !== 'node') return;
  const has = ctx.hierarchy.chain(t).some((c) => (kind === 'capability' ? c.capabilities.has(inner) : c.requirements.some((r) => r.name === inner)));
  if (!has) ctx.sink.report(at.pos, Codes.Substitution, `${kind} mapping "${name}": node template "${tplName}" (${t.name}) has no ${kind} "${inner}"`);
}
