/** Readers for the service template (6.9) and everything in it. */
import { Codes } from '../problems/index.js';
import { describe, get, isList, isMap, isScalar, isString, type PNode } from '../reader/index.js';
import type {
  ActivityDef,
  CapabilityAssignment,
  GroupDef,
  NodeTemplateDef,
  PolicyDef,
  Ref,
  RelationshipTemplateDef,
  RequirementAssignment,
  ServiceTemplateDef,
  SubstitutionMappingsDef,
  TriggerDef,
  WorkflowDef,
  WorkflowStepDef,
} from '../model/index.js';
import type { GrammarContext } from './context.js';
import { readArtifactDef, readAssignments, readInterfaces, readPropertyDefs } from './read-common.js';

const DIRECTIVES = ['substitute', 'select', 'create'];

function readDirectives(g: GrammarContext, n: PNode | undefined, allowed: readonly string[]): string[] | undefined {
  const list = g.refList(n, 'directives');
  if (!list) return undefined;
  for (const d of list) {
    if (!allowed.includes(d.name)) g.report(d.pos, Codes.ValueInvalid, `unknown directive "${d.name}"; use one of ${allowed.join(', ')}`);
  }
  return list.map((d) => d.name);
}

function readCapabilityAssignment(g: GrammarContext, name: string, n: PNode): CapabilityAssignment | undefined {
  const what = `the capability assignment "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, g.legacy ? ['properties', 'attributes', 'directives', 'occurrences'] : ['properties', 'attributes', 'directives'], [], what);
  const directives = readDirectives(g, get(m, 'directives'), ['internal', 'external']);
  return {
    name,
    pos: m.pos,
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
    attributes: readAssignments(g, get(m, 'attributes'), `the attributes of ${what}`),
    ...(directives && { directives }),
  };
}

function readRequirementAssignment(g: GrammarContext, name: string, n: PNode): RequirementAssignment | undefined {
  const what = `the requirement assignment "${name}"`;
  if (isString(n)) return { name, pos: n.pos, node: { name: n.value, pos: n.pos }, relationshipProperties: new Map(), relationshipInterfaces: new Map() };
  const m = g.map(n, what);
  if (!m) return undefined;
  const allowed = ['node', 'capability', 'relationship', 'allocation', 'count', 'node_filter', 'directives', 'optional'];
  if (g.legacy) allowed.push('occurrences');
  g.keys(m, allowed, [], what);
  const out: { -readonly [K in keyof RequirementAssignment]: RequirementAssignment[K] } = {
    name,
    pos: m.pos,
    relationshipProperties: new Map(),
    relationshipInterfaces: new Map(),
  };
  const node = get(m, 'node');
  if (node !== undefined) {
    if (isList(node)) {
      // `[node_template, index]` selects one node representation.
      if (node.items.length !== 2 || !isString(node.items[0])) {
        g.report(node.pos, Codes.Shape, `the node of ${what} must be a name or a [node_template, index] pair`);
      } else {
        const idx = node.items[1]!;
        if (!(isScalar(idx) && typeof idx.value === 'number' && Number.isInteger(idx.value) && !idx.float) && !isMap(idx) && !(isString(idx) && idx.value.startsWith('$'))) {
          g.report(idx.pos, Codes.Shape, `the index in the node of ${what} must be an integer, not ${describe(idx)}`);
        }
        out.node = { name: node.items[0].value, pos: node.items[0].pos };
      }
    } else {
      const r = g.ref(node, `the node of ${what}`);
      if (r) out.node = r;
    }
  }
  const cap = g.ref(get(m, 'capability'), `the capability of ${what}`);
  if (cap) out.capability = cap;
  const rel = get(m, 'relationship');
  if (rel !== undefined) {
    if (isString(rel)) out.relationshipTemplate = { name: rel.value, pos: rel.pos };
    else {
      const rm = g.map(rel, `the relationship of ${what}`);
      if (rm) {
        g.keys(rm, ['type', 'properties', 'attributes', 'interfaces'], [], `the relationship of ${what}`);
        const t = g.ref(get(rm, 'type'), 'the relationship type');
        if (t) out.relationshipType = t;
        out.relationshipProperties = readAssignments(g, get(rm, 'properties'), `the relationship properties of ${what}`);
        readAssignments(g, get(rm, 'attributes'), `the relationship attributes of ${what}`);
        out.relationshipInterfaces = readInterfaces(g, get(rm, 'interfaces'), true, `the relationship interfaces of ${what}`);
      }
    }
  }
  const alloc = get(m, 'allocation');
  if (alloc !== undefined) {
    if (g.map(alloc, `the allocation of ${what}`)) out.allocation = alloc;
  }
  const count = get(m, 'count');
  const countIsCall = isMap(count) && count.entries.length === 1 && isString(count.entries[0]!.key) && count.entries[0]!.key.value.startsWith('$');
  if (count !== undefined && !countIsCall) {
    const c = g.int(count, `the count of ${what}`);
    if (c !== undefined) {
      if (c < 0) g.report(count.pos, Codes.ValueInvalid, `the count of ${what} must not be negative`);
      out.count = { value: c, pos: count.pos };
    }
  }
  const nf = get(m, 'node_filter');
  if (nf !== undefined) out.nodeFilter = nf;
  const directives = readDirectives(g, get(m, 'directives'), ['internal', 'external']);
  if (directives) out.directives = directives;
  const optional = g.bool(get(m, 'optional'), `"optional" of ${what}`);
  if (optional !== undefined) out.optional = optional;
  return out;
}

function readNodeTemplate(g: GrammarContext, name: string, n: PNode): NodeTemplateDef | undefined {
  const what = `the node template "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  const allowed = ['type', 'description', 'metadata', 'directives', 'properties', 'attributes', 'requirements', 'capabilities', 'interfaces', 'artifacts', 'count', 'node_filter', 'copy'];
  const copy = g.ref(get(m, 'copy'), `copy of ${what}`);
  g.keys(m, allowed, copy ? [] : ['type'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  const metadata = g.metadata(get(m, 'metadata'));
  const count = get(m, 'count');
  if (count !== undefined && isScalar(count)) {
    const c = g.int(count, `the count of ${what}`);
    if (c !== undefined && c < 0) g.report(count.pos, Codes.ValueInvalid, `the count of ${what} must not be negative`);
  }
  const nodeFilter = get(m, 'node_filter');
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    ...(metadata && { metadata }),
    directives: readDirectives(g, get(m, 'directives'), DIRECTIVES) ?? [],
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
    attributes: readAssignments(g, get(m, 'attributes'), `the attributes of ${what}`),
    requirements: g.sequenced(get(m, 'requirements'), `the requirements of ${what}`, (r, v) => readRequirementAssignment(g, r, v)),
    capabilities: g.named(get(m, 'capabilities'), `the capabilities of ${what}`, (c, v) => readCapabilityAssignment(g, c, v)),
    interfaces: readInterfaces(g, get(m, 'interfaces'), true, `the interfaces of ${what}`),
    artifacts: g.named(get(m, 'artifacts'), `the artifacts of ${what}`, (a, v) => readArtifactDef(g, a, v)),
    ...(count !== undefined && { count }),
    ...(nodeFilter !== undefined && { nodeFilter }),
    ...(copy && { copy }),
  };
}

function readRelationshipTemplate(g: GrammarContext, name: string, n: PNode): RelationshipTemplateDef | undefined {
  const what = `the relationship template "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  const copy = g.ref(get(m, 'copy'), `copy of ${what}`);
  g.keys(m, ['type', 'description', 'metadata', 'properties', 'attributes', 'interfaces', 'copy'], copy ? [] : ['type'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
    attributes: readAssignments(g, get(m, 'attributes'), `the attributes of ${what}`),
    interfaces: readInterfaces(g, get(m, 'interfaces'), true, `the interfaces of ${what}`),
    ...(copy && { copy }),
  };
}

function readGroup(g: GrammarContext, name: string, n: PNode): GroupDef | undefined {
  const what = `the group "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['type', 'description', 'metadata', 'properties', 'attributes', 'members'], ['type'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
    attributes: readAssignments(g, get(m, 'attributes'), `the attributes of ${what}`),
    members: g.refList(get(m, 'members'), `the members of ${what}`) ?? [],
  };
}

function readTrigger(g: GrammarContext, name: string, n: PNode): TriggerDef | undefined {
  const what = `the trigger "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['description', 'event', 'condition', 'action'], ['event', 'action'], what);
  g.str(get(m, 'description'), 'a description');
  const event = g.str(get(m, 'event'), `the event of ${what}`);
  const condition = get(m, 'condition');
  const action = get(m, 'action');
  let actions: PNode[] = [];
  if (action !== undefined) {
    if (isList(action)) actions = [...action.items];
    else g.report(action.pos, Codes.Shape, `the action of ${what} must be a list of activities, not ${describe(action)}`);
  }
  return { name, pos: m.pos, ...(event !== undefined && { event }), ...(condition !== undefined && { condition }), action: actions };
}

function readPolicy(g: GrammarContext, name: string, n: PNode): PolicyDef | undefined {
  const what = `the policy "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['type', 'description', 'metadata', 'properties', 'targets', 'triggers'], ['type'], what);
  const type = g.ref(get(m, 'type'), `the type of ${what}`);
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  return {
    name,
    pos: m.pos,
    ...(type && { type }),
    ...(description !== undefined && { description }),
    properties: readAssignments(g, get(m, 'properties'), `the properties of ${what}`),
    targets: g.refList(get(m, 'targets'), `the targets of ${what}`) ?? [],
    triggers: g.named(get(m, 'triggers'), `the triggers of ${what}`, (t, v) => readTrigger(g, t, v)),
  };
}

export function readActivity(g: GrammarContext, n: PNode): ActivityDef | undefined {
  if (!isMap(n) || n.entries.length !== 1) {
    g.report(n.pos, Codes.Workflow, `an activity must be a map with exactly one of delegate, set_state, call_operation, inline; got ${describe(n)}`);
    return undefined;
  }
  const e = n.entries[0]!;
  const k = isScalar(e.key) ? String(e.key.value) : '';
  const v = e.value;
  if (k === 'set_state') {
    const s = g.ref(v, 'set_state');
    return s && { pos: n.pos, kind: 'set_state', target: s, inputs: new Map() };
  }
  if (k !== 'delegate' && k !== 'call_operation' && k !== 'inline') {
    g.report(e.key.pos, Codes.Workflow, `"${k}" is not an activity; use delegate, set_state, call_operation or inline`);
    return undefined;
  }
  if (isString(v)) return { pos: n.pos, kind: k, target: { name: v.value, pos: v.pos }, inputs: new Map() };
  const m = g.map(v, `the ${k} activity`);
  if (!m) return undefined;
  const nameKey = k === 'call_operation' ? 'operation' : 'workflow';
  g.keys(m, [nameKey, 'inputs'], [nameKey], `the ${k} activity`);
  const target = g.ref(get(m, nameKey), `the ${nameKey} of the ${k} activity`);
  if (!target) return undefined;
  return { pos: n.pos, kind: k, target, inputs: readAssignments(g, get(m, 'inputs'), `the inputs of the ${k} activity`) };
}

function readRefs(g: GrammarContext, n: PNode | undefined, what: string): Ref[] {
  if (n === undefined) return [];
  if (isString(n)) return [{ name: n.value, pos: n.pos }];
  return g.refList(n, what) ?? [];
}

function readStep(g: GrammarContext, name: string, n: PNode): WorkflowStepDef | undefined {
  const what = `the workflow step "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['target', 'target_relationship', 'filter', 'activities', 'on_success', 'on_failure', 'operation_host'], ['target', 'activities'], what);
  const target = g.ref(get(m, 'target'), `the target of ${what}`);
  const tr = g.str(get(m, 'target_relationship'), 'target_relationship');
  const acts = get(m, 'activities');
  const activities: ActivityDef[] = [];
  if (acts !== undefined) {
    if (!isList(acts)) g.report(acts.pos, Codes.Shape, `the activities of ${what} must be a list, not ${describe(acts)}`);
    else for (const a of acts.items) {
      const r = readActivity(g, a);
      if (r) activities.push(r);
    }
  }
  const filter = get(m, 'filter');
  const oh = g.str(get(m, 'operation_host'), 'operation_host');
  return {
    name,
    pos: m.pos,
    ...(target && { target }),
    ...(tr !== undefined && { targetRelationship: tr }),
    ...(filter !== undefined && { filter }),
    activities,
    onSuccess: readRefs(g, get(m, 'on_success'), 'on_success'),
    onFailure: readRefs(g, get(m, 'on_failure'), 'on_failure'),
    ...(oh !== undefined && { operationHost: oh }),
  };
}

export function readWorkflow(g: GrammarContext, name: string, n: PNode): WorkflowDef | undefined {
  const what = `the workflow "${name}"`;
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['description', 'metadata', 'inputs', 'precondition', 'steps', 'implementation', 'outputs'], [], what);
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  const precondition = get(m, 'precondition');
  const implementation = get(m, 'implementation');
  return {
    name,
    pos: m.pos,
    ...(description !== undefined && { description }),
    inputs: readPropertyDefs(g, get(m, 'inputs'), 'parameter', `the inputs of ${what}`),
    ...(precondition !== undefined && { precondition }),
    steps: g.named(get(m, 'steps'), `the steps of ${what}`, (s, v) => readStep(g, s, v)),
    ...(implementation !== undefined && { implementation }),
    outputs: readAssignments(g, get(m, 'outputs'), `the outputs of ${what}`),
  };
}

function readSubstitution(g: GrammarContext, n: PNode): SubstitutionMappingsDef | undefined {
  const what = 'substitution_mappings';
  const m = g.map(n, what);
  if (!m) return undefined;
  g.keys(m, ['node_type', 'substitution_filter', 'properties', 'attributes', 'capabilities', 'requirements', 'interfaces'], ['node_type'], what);
  const nodeType = g.ref(get(m, 'node_type'), 'node_type');
  const filter = get(m, 'substitution_filter');
  const reqs = get(m, 'requirements');
  const requirements: Array<{ name: string; pos: SubstitutionMappingsDef['pos']; value: PNode; count?: number | 'UNBOUNDED' }> = [];
  if (reqs !== undefined) {
    // 15.5: a list of single-entry maps so that one requirement may be mapped several times; a
    // key may be `[ <requirement_name>, <count> ]` (count: a non-negative integer or UNBOUNDED).
    if (isList(reqs)) {
      for (const item of reqs.items) {
        if (!isMap(item) || item.entries.length !== 1) {
          g.report(item.pos, Codes.Shape, `each requirement mapping must be a map with exactly one key, not ${describe(item)}`);
          continue;
        }
        const { key, value } = item.entries[0]!;
        if (isString(key) && key.value !== '') {
          requirements.push({ name: key.value, pos: key.pos, value });
          continue;
        }
        const [name, count] = isList(key) ? key.items : [];
        const n = count && isScalar(count) ? count.value : undefined;
        const okCount = n === 'UNBOUNDED' || (typeof n === 'number' && Number.isInteger(n) && n >= 0 && !(count as { float?: boolean }).float);
        if (!isList(key) || key.items.length !== 2 || !name || !isString(name) || name.value === '' || !okCount) {
          g.report(key.pos, Codes.Shape, 'a requirement mapping key is a requirement name or [ <requirement_name>, <count> ] with count a non-negative integer or UNBOUNDED (15.5)');
          continue;
        }
        requirements.push({ name: name.value, pos: key.pos, value, count: n as number | 'UNBOUNDED' });
      }
    } else for (const [name, v] of g.named(reqs, 'requirement mappings', (_n, v) => v)) requirements.push({ name, pos: v.pos, value: v });
  }
  return {
    pos: m.pos,
    ...(nodeType && { nodeType }),
    ...(filter !== undefined && { substitutionFilter: filter }),
    properties: readAssignments(g, get(m, 'properties'), 'property mappings'),
    attributes: readAssignments(g, get(m, 'attributes'), 'attribute mappings'),
    capabilities: readAssignments(g, get(m, 'capabilities'), 'capability mappings'),
    requirements,
    interfaces: readAssignments(g, get(m, 'interfaces'), 'interface mappings'),
  };
}

export function readServiceTemplate(g: GrammarContext, n: PNode): ServiceTemplateDef | undefined {
  const m = g.map(n, 'service_template');
  if (!m) return undefined;
  const allowed = ['description', 'metadata', 'inputs', 'outputs', 'node_templates', 'relationship_templates', 'groups', 'policies', 'substitution_mappings', 'workflows'];
  g.keys(m, allowed, ['node_templates'], 'the service template');
  const description = g.str(get(m, 'description'), 'a description');
  g.metadata(get(m, 'metadata'));
  const pol = get(m, 'policies');
  let policies: PolicyDef[] = [];
  if (pol !== undefined) {
    if (isMap(pol) && g.legacy) policies = [...g.named(pol, 'policies', (p, v) => readPolicy(g, p, v)).values()];
    else policies = g.sequenced(pol, 'policies', (p, v) => readPolicy(g, p, v));
  }
  const sm = get(m, 'substitution_mappings');
  const substitutionMappings = sm === undefined ? undefined : readSubstitution(g, sm);
  return {
    pos: m.pos,
    ...(description !== undefined && { description }),
    inputs: readPropertyDefs(g, get(m, 'inputs'), 'parameter', 'the inputs'),
    outputs: readPropertyDefs(g, get(m, 'outputs'), 'parameter', 'the outputs'),
    nodeTemplates: g.named(get(m, 'node_templates'), 'node_templates', (t, v) => readNodeTemplate(g, t, v)),
    relationshipTemplates: g.named(get(m, 'relationship_templates'), 'relationship_templates', (t, v) => readRelationshipTemplate(g, t, v)),
    groups: g.named(get(m, 'groups'), 'groups', (t, v) => readGroup(g, t, v)),
    policies,
    workflows: g.named(get(m, 'workflows'), 'workflows', (t, v) => readWorkflow(g, t, v)),
    ...(substitutionMappings && { substitutionMappings }),
  };
}
