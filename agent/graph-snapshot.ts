/**
 * A deployment document as the Day-2 plan compares it (update-plan.ts): every desired field in a
 * canonical string form, so two instantiations of the same template compare equal field by field.
 */
import { encodeExpression, formatEntityId, readControl, toJson } from '../store/index.js';
import type { Deployment, Edge, Expression, Property, Vertex } from '../store/index.js';
import type { EdgeSnapshot, GraphSnapshot, NodeSnapshot } from './update-plan.js';

const SERVICE_PREFIXES = ['input:', 'output:', 'policy:', 'group:', 'workflow:'];
const MAX_DISPLAY = 160;

/**
 * A property's desired form: its value and, when computed, its expression. TOSCA properties are
 * static (get_input, get_property, concat…), so their evaluated value is desired state too: a
 * changed input changes it. (Attributes, which the workload reports, are not compared.)
 */
function canonical(p: Property): string {
  return `${p.updater !== undefined ? encodeExpression(p.updater) : ''}=${p.value !== undefined ? encodeExpression(p.value) : ''}`;
}

/** A property value as a person reads it in a plan (JSON, cut to a line). */
export function displayValue(e: Expression | undefined): string {
  if (e === undefined) return '(unset)';
  const text = JSON.stringify(toJson(e));
  return text.length > MAX_DISPLAY ? `${text.slice(0, MAX_DISPLAY - 1)}…` : text;
}

function shapeOf(v: Pick<Vertex, 'classIds' | 'handlers'>): string {
  const handlers = Object.keys(v.handlers)
    .sort()
    .map((event) => [event, v.handlers[event]!.map((h) => h.fn)]);
  return JSON.stringify([[...v.classIds].sort(), handlers]);
}

function nodeSnapshot(v: Vertex): NodeSnapshot {
  const properties: Record<string, string> = {};
  const display: Record<string, string> = {};
  for (const [name, p] of Object.entries(v.properties)) {
    // Desired state only: TOSCA properties (read-only); attributes are what the workload reports.
    if (!p.readOnly) continue;
    properties[name] = canonical(p);
    display[name] = displayValue(p.value);
  }
  const control = readControl(v.metadata);
  return {
    id: formatEntityId(v.id),
    template: String(v.metadata['tosca:template'] ?? v.id.name),
    type: String(v.metadata['tosca:type'] ?? ''),
    shape: shapeOf(v),
    properties,
    display,
    ...(control.retired !== undefined ? { retired: true } : {}),
  };
}

function edgeSnapshot(e: Edge): EdgeSnapshot {
  const props = Object.fromEntries(Object.entries(e.properties).map(([k, p]) => [k, canonical(p)]));
  const meta = ['tosca:requirement', 'tosca:capability', 'tosca:relationship-type'].map((k) => e.metadata[k] ?? null);
  return { id: formatEntityId(e.id), source: e.source, target: e.target, shape: JSON.stringify([meta.map((m) => (m === null ? null : encodeExpression(m))), shapeOf(e), props]) };
}

export function snapshotOf(d: Deployment): GraphSnapshot {
  const service: Record<string, string> = {};
  const serviceDisplay: Record<string, string> = {};
  for (const [name, p] of Object.entries(d.get('vertex', d.serviceVertex)?.properties ?? {})) {
    if (!SERVICE_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    // An output is computed from attributes at run time: only its expression is desired state.
    const output = name.startsWith('output:') && p.updater !== undefined;
    service[name] = output ? `${encodeExpression(p.updater!)}=` : canonical(p);
    serviceDisplay[name] = output ? displayValue(p.updater) : displayValue(p.value);
  }
  const nodes = new Map(d.query({ kind: 'vertex', directory: ['nodes'] }).map((v) => [formatEntityId(v.id), nodeSnapshot(v)] as const));
  const edges = new Map(
    d
      .list('edge')
      .filter((e) => nodes.has(e.source) && nodes.has(e.target))
      .map((e) => [formatEntityId(e.id), edgeSnapshot(e)] as const),
  );
  return { service, serviceDisplay, nodes, edges };
}
