/**
 * Imperative workflows (13.2): step targets, on_success/on_failure links, delegate/inline
 * workflow names, and call_operation activities checked against the target's interfaces —
 * the operation exists, its inputs are declared, required ones are given, and values taken from
 * workflow inputs have a compatible type and are not optional where the operation needs them.
 */
import { Codes } from '../problems/index.js';
import { isMap, isString, type PNode } from '../reader/index.js';
import type { PropertyDef, ServiceTemplateDef, TypeDef, WorkflowDef } from '../model/index.js';
import type { Scope } from './scope.js';
import { toValue } from './functions.js';
import type { ValueContext } from './values.js';

interface OperationSignature {
  readonly inputs: Map<string, { def: PropertyDef; owner: TypeDef }>;
  readonly found: boolean;
}

/** Collects the inputs an operation accepts: interface-level and operation-level, along the type chains. */
function operationSignature(nodeType: TypeDef, iface: string, op: string, ctx: ValueContext): OperationSignature {
  const h = ctx.hierarchy;
  const inputs = new Map<string, { def: PropertyDef; owner: TypeDef }>();
  let found = false;
  let ifaceFound = false;
  for (const t of h.chain(nodeType).reverse()) {
    const idef = t.interfaces.get(iface);
    if (!idef) continue;
    ifaceFound = true;
    const itype = idef.type ? h.scopeOf(t)?.find(idef.type.name, 'interface') : undefined;
    if (itype) {
      for (const it of h.chain(itype).reverse()) {
        for (const [n, d] of it.inputs) inputs.set(n, { def: d, owner: it });
        const o = it.operations.get(op) ?? it.notifications.get(op);
        if (o) {
          found = true;
          for (const [n, d] of o.inputs) inputs.set(n, { def: d, owner: it });
        }
      }
    }
    for (const [n, d] of idef.inputs) inputs.set(n, { def: { ...inputs.get(n)?.def, ...d } as PropertyDef, owner: t });
    const o = idef.operations.get(op) ?? idef.notifications.get(op);
    if (o) {
      found = true;
      for (const [n, d] of o.inputs) inputs.set(n, { def: { ...inputs.get(n)?.def, ...d } as PropertyDef, owner: t });
    }
  }
  return { inputs, found: found && ifaceFound };
}

function getInputName(n: PNode): string | undefined {
  if (!isMap(n) || n.entries.length !== 1) return undefined;
  const e = n.entries[0]!;
  if (!isString(e.key) || e.key.value !== '$get_input') return undefined;
  const a = e.value;
  if (isString(a)) return a.value;
  if (a.kind === 'list' && isString(a.items[0])) return a.items[0].value;
  return undefined;
}

function checkWorkflow(wf: WorkflowDef, st: ServiceTemplateDef, scope: Scope, ctx: ValueContext): void {
  const h = ctx.hierarchy;
  for (const [, step] of wf.steps) {
    for (const l of [...step.onSuccess, ...step.onFailure]) {
      if (!wf.steps.has(l.name)) ctx.sink.report(l.pos, Codes.Workflow, `step "${l.name}" does not exist in workflow "${wf.name}"`);
    }
    const target = step.target ? st.nodeTemplates.get(step.target.name) : undefined;
    if (step.target && !target && !st.groups.has(step.target.name)) {
      ctx.sink.report(step.target.pos, Codes.TemplateUnknown, `the step "${step.name}" targets "${step.target.name}", which is neither a node template nor a group`);
    }
    const nodeType = target?.type ? scope.find(target.type.name, 'node') : undefined;
    for (const a of step.activities) {
      if (a.kind === 'delegate' || a.kind === 'inline') {
        if (a.kind === 'inline' && !st.workflows.has(a.target.name)) ctx.sink.report(a.target.pos, Codes.Workflow, `inline refers to the unknown workflow "${a.target.name}"`);
        continue;
      }
      if (a.kind !== 'call_operation') continue;
      for (const v of a.inputs.values()) toValue(v, ctx);
      const dot = a.target.name.lastIndexOf('.');
      if (dot <= 0) {
        ctx.sink.report(a.target.pos, Codes.Workflow, `call_operation needs "<interface>.<operation>", got "${a.target.name}"`);
        continue;
      }
      if (!nodeType) continue;
      const iface = a.target.name.slice(0, dot);
      const op = a.target.name.slice(dot + 1);
      const sig = operationSignature(nodeType, iface, op, ctx);
      if (!sig.found) {
        ctx.sink.report(a.target.pos, Codes.NameUndeclared, `the node type ${nodeType.name} has no operation "${op}" in an interface "${iface}"`);
        continue;
      }
      const assigned = new Map<string, PNode>(a.inputs);
      for (const [iname, ia] of target?.interfaces ?? []) if (iname === iface) for (const [k, v] of ia.inputValues) if (!assigned.has(k)) assigned.set(k, v);
      for (const [k, v] of a.inputs) {
        const decl = sig.inputs.get(k);
        if (!decl) {
          ctx.sink.report(v.pos, Codes.NameUndeclared, `the operation ${a.target.name} has no input "${k}"; declared: ${[...sig.inputs.keys()].join(', ') || 'none'}`);
          continue;
        }
        const src = getInputName(v);
        const wfInput = src !== undefined ? wf.inputs.get(src) : undefined;
        if (src !== undefined && !wfInput) {
          ctx.sink.report(v.pos, Codes.NameUndeclared, `$get_input refers to "${src}", which is not an input of workflow "${wf.name}"`);
          continue;
        }
        if (!wfInput) continue;
        const opType = decl.def.type ? h.scopeOf(decl.owner)?.find(decl.def.type.name, 'data') : undefined;
        const inType = wfInput.type ? scope.find(wfInput.type.name, 'data') : undefined;
        if (opType && inType && !h.derivesFrom(inType, opType)) {
          ctx.sink.report(v.pos, Codes.ValueType, `input "${k}" of ${a.target.name} is ${opType.name}, but workflow input "${src}" is ${inType.name}`);
        }
        const opRequired = decl.def.required !== false && decl.def.default === undefined;
        if (opRequired && wfInput.required === false && wfInput.default === undefined) {
          ctx.sink.report(v.pos, Codes.ValueRequired, `input "${k}" of ${a.target.name} is required, but workflow input "${src}" is optional`);
        }
      }
      for (const [k, decl] of sig.inputs) {
        const d = decl.def;
        if (!assigned.has(k) && d.required !== false && d.default === undefined && d.value === undefined) {
          ctx.sink.report(a.pos, Codes.ValueRequired, `call_operation ${a.target.name} does not give the required input "${k}"`);
        }
      }
    }
  }
}

export function checkWorkflows(st: ServiceTemplateDef, scope: Scope, ctx: ValueContext): void {
  for (const wf of st.workflows.values()) checkWorkflow(wf, st, scope, ctx);
}
