/**
 * The pure TOSCA -> Floria compiler: a validated ToscaModel becomes a CompiledService (plain data).
 * Inputs given by the user are checked against their declared types here, with positioned problems.
 */
import type { Expression } from '../../store/index.js';
import { Codes, ProblemSink, type Problem } from '../problems/index.js';
import { limitHint, resolveLimits, type ToscaLimits } from '../limits/index.js';
import { parseYaml, type PNode } from '../reader/index.js';
import type { ToscaModel } from '../processor.js';
import { checkValue } from '../semantics/index.js';
import { CompileContext } from './context.js';
import { compileNode } from './compile-node.js';
import { compileTriggers } from './compile-triggers.js';
import { hasCall } from './to-expression.js';
import type { CompiledGroup, CompiledNode, CompiledPolicy, CompiledProperty, CompiledService, CompiledWorkflow } from './compiled.js';

export interface CompileOptions {
  /** Input values as YAML text (from `--input NAME=VALUE`) or already-parsed expressions. */
  readonly inputs?: Readonly<Record<string, string | Expression>>;
  /** Instance limits (maxInstances, maxTotalInstances); defaults in DEFAULT_LIMITS. */
  readonly limits?: Partial<ToscaLimits>;
}

export interface CompileResult {
  readonly service: CompiledService;
  readonly problems: readonly Problem[];
}

export function compileService(model: ToscaModel, options: CompileOptions = {}): CompileResult {
  const st = model.entry.serviceTemplate;
  const ctx = new CompileContext(model.hierarchy, model.scope, model.entry.legacy);
  const sink = new ProblemSink();
  if (!st) {
    sink.report(model.entry.pos, 'TOSCA-NO-SERVICE', 'this file has no service_template: nothing to compile (profiles are imported, not deployed)');
    return { service: { inputs: [], outputs: [], nodes: [], policies: [], groups: [], workflows: [], classes: {} }, problems: sink.list() };
  }
  for (const n of st.nodeTemplates.keys()) ctx.templateNames.add(n);
  for (const [n, t] of st.relationshipTemplates) ctx.relationshipTemplates.set(n, t);

  // Inputs: the user's value (checked against the type) or the default.
  const given = options.inputs ?? {};
  const inputs: CompiledProperty[] = [];
  for (const [name, def] of st.inputs) {
    const raw = given[name];
    let node: PNode | undefined;
    if (typeof raw === 'string') {
      node = parseYaml(raw, `--input ${name}`, sink).root;
      const type = def.type ? ctx.dataType(def.type.name) : undefined;
      if (node && type) {
        checkValue(node, type, { ...(def.entrySchema && { entrySchema: def.entrySchema }), ...(def.keySchema && { keySchema: def.keySchema }) },
          { sink, hierarchy: model.hierarchy, scope: model.scope, legacy: model.entry.legacy }, `the input "${name}"`);
      }
    }
    if (raw !== undefined && typeof raw !== 'string') {
      inputs.push({ name, readOnly: true, value: raw, ...(def.type && { type: def.type.name }) });
      continue;
    }
    const p = ctx.property(name, def, node, true, []);
    if (p?.value === undefined && p?.updater === undefined && def.required !== false && def.default === undefined && def.value === undefined) {
      sink.report(def.pos, 'TOSCA-INPUT-MISSING', `the input "${name}" is required and has no default: pass --input ${name}=VALUE`);
    }
    if (p) inputs.push(p);
  }
  for (const name of Object.keys(given)) {
    if (!st.inputs.has(name)) sink.report(st.pos, 'TOSCA-INPUT-UNKNOWN', `there is no input named "${name}": the service declares ${[...st.inputs.keys()].join(', ') || 'no inputs'}`);
  }

  const outputs: CompiledProperty[] = [];
  for (const [name, def] of st.outputs) {
    const source = def.value ?? def.default;
    const base = { name, readOnly: false, ...(def.type && { type: def.type.name }), ...(def.description && { description: def.description }) };
    if (!source) outputs.push(base);
    else outputs.push(hasCall(source, model.entry.legacy) ? { ...base, updater: ctx.expr(source) } : { ...base, value: ctx.expr(source) });
  }

  const limits = resolveLimits(options.limits);
  const nodes: CompiledNode[] = [];
  let total = 0;
  for (const t of st.nodeTemplates.values()) {
    const n = compileNode(t, ctx);
    if (!n) continue;
    nodes.push(n);
    // Literal counts are checked here, with a position; counts from inputs when instantiating.
    const at = t.count?.pos ?? t.pos;
    if (typeof n.count === 'bigint') {
      if (n.count > BigInt(limits.maxInstances)) {
        sink.report(at, Codes.Limit, `node template "${t.name}" asks for ${n.count} instances, more than ${limits.maxInstances}: ${limitHint('maxInstances')}`);
      } else total += Number(n.count);
    }
    for (const r of n.requirements) {
      if (r.count > limits.maxInstances) sink.report(t.pos, Codes.Limit, `requirement "${r.name}" of node template "${t.name}" has count ${r.count}, more than ${limits.maxInstances}: ${limitHint('maxInstances')}`);
    }
  }
  if (total > limits.maxTotalInstances) {
    sink.report(st.pos, Codes.Limit, `the service asks for ${total} node instances, more than ${limits.maxTotalInstances}: ${limitHint('maxTotalInstances')}`);
  }

  const policies: CompiledPolicy[] = st.policies.map((p) => {
    const type = ctx.ref(p.type, 'policy');
    const chain = type ? model.hierarchy.chain(type) : [];
    return {
      name: p.name,
      type: type?.name ?? p.type?.name ?? '',
      classes: type ? ctx.classesOf(type) : [],
      properties: type ? ctx.properties(model.hierarchy.effective(type, 'properties'), p.properties, new Map(), new Map(), chain) : [],
      targets: p.targets.map((r) => r.name),
      triggers: [...p.triggers.keys()],
      triggerDefs: compileTriggers(ctx, p.triggers),
    };
  });

  const groups: CompiledGroup[] = [...st.groups.values()].map((g) => {
    const type = ctx.ref(g.type, 'group');
    const chain = type ? model.hierarchy.chain(type) : [];
    return {
      name: g.name,
      type: type?.name ?? g.type?.name ?? '',
      classes: type ? ctx.classesOf(type) : [],
      members: g.members.map((r) => r.name),
      properties: type ? ctx.properties(model.hierarchy.effective(type, 'properties'), g.properties, model.hierarchy.effective(type, 'attributes'), g.attributes, chain) : [],
    };
  });

  const workflows: CompiledWorkflow[] = [...st.workflows.values()].map((w) => ({
    name: w.name,
    ...(w.description !== undefined && { description: w.description }),
    inputs: [...w.inputs].map(([name, def]) => {
      const dflt = def.default ?? def.value;
      return { name, required: def.required !== false && dflt === undefined, ...(dflt !== undefined && { default: ctx.expr(dflt) }) };
    }),
    steps: [...w.steps.values()].map((s) => ({
      name: s.name,
      ...(s.target && { target: s.target.name }),
      activities: s.activities.map((a) => `${a.kind}:${a.target.name}`),
      actions: s.activities.map((a) => ({ kind: a.kind, name: a.target.name, inputs: Object.fromEntries([...a.inputs].map(([k, v]) => [k, ctx.expr(v)])) })),
      onSuccess: s.onSuccess.map((r) => r.name),
      onFailure: s.onFailure.map((r) => r.name),
      unsupported: [s.filter !== undefined && 'filter', s.targetRelationship !== undefined && 'target_relationship', s.operationHost !== undefined && 'operation_host'].filter((x): x is string => typeof x === 'string'),
    })),
    unsupported: [w.precondition !== undefined && 'precondition', w.implementation !== undefined && 'implementation', w.outputs.size > 0 && 'outputs'].filter((x): x is string => typeof x === 'string'),
  }));

  return {
    service: {
      ...(st.description !== undefined && { description: st.description }),
      inputs,
      outputs,
      nodes,
      policies,
      groups,
      workflows,
      classes: Object.fromEntries(ctx.classes),
    },
    problems: sink.list(),
  };
}
