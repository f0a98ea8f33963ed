/**
 * Puts a CompiledService into a deployment as Floria templates: a class per type, a vertex
 * template per node template (properties, handlers, metadata) and an edge template per requirement
 * (relationship properties and handlers, a finder call that states the target criteria).
 */
import type { Deployment, Expression, PropertyInput } from '../../store/index.js';
import { call, encodeExpression, stringMap } from '../../store/index.js';
import type { CompiledNode, CompiledProperty, CompiledRequirement, CompiledService } from './compiled.js';
import { floriaName } from './names.js';

export function propertyInput(p: CompiledProperty): PropertyInput {
  return {
    readOnly: p.readOnly,
    ...(p.value !== undefined && { value: p.value }),
    ...(p.updater !== undefined && { updater: p.updater }),
    ...(p.type !== undefined && { metadata: { 'tosca:type': p.type } }),
  };
}

export function propertyInputs(props: readonly CompiledProperty[]): Record<string, PropertyInput> {
  return Object.fromEntries(props.map((p) => [p.name, propertyInput(p)]));
}

export function nodeMetadata(n: CompiledNode): Record<string, Expression> {
  const hostFilters = n.requirements.filter((r) => r.placement && r.nodeFilter !== undefined).map((r) => r.nodeFilter!);
  return {
    // The node_filter of the host requirement, for placement (agent/host-filter.ts reads it);
    // encoded, since metadata holds no calls.
    ...(hostFilters.length > 0 && { 'khutulun:host-filter': encodeExpression(hostFilters.length === 1 ? hostFilters[0]! : { $: 'call', fn: 'tosca:and', args: hostFilters, mode: 'eager' }) }),
    'tosca:kind': 'node',
    'tosca:template': n.name,
    'tosca:type': n.type,
    'tosca:directives': [...n.directives],
    'tosca:capabilities': stringMap(Object.fromEntries(n.capabilities.map((c) => [c.name, c.type]))),
    'tosca:artifacts': stringMap(
      Object.fromEntries(
        n.artifacts.map((a) => [
          a.name,
          stringMap({
            ...(a.type !== undefined && { type: a.type }),
            ...(a.file !== undefined && { file: a.file }),
            ...(a.checksum !== undefined && { checksum: a.checksum }),
            ...(a.checksumAlgorithm !== undefined && { checksum_algorithm: a.checksumAlgorithm }),
            ...(a.deployPath !== undefined && { deploy_path: a.deployPath }),
          }),
        ]),
      ),
    ),
    ...Object.fromEntries(Object.entries(n.metadata).map(([k, v]) => [`meta:${k}`, v])),
  };
}

/** The finder call recorded on an edge template: what the requirement's target must be. */
export function finderOf(r: CompiledRequirement): Expression {
  return call('tosca:select_target', [
    stringMap({
      requirement: r.name,
      ...(r.nodeTemplate !== undefined && { node_template: r.nodeTemplate }),
      ...(r.nodeType !== undefined && { node_type: r.nodeType }),
      ...(r.capabilityName !== undefined && { capability: r.capabilityName }),
      ...(r.capabilityType !== undefined && { capability_type: r.capabilityType }),
      ...(r.nodeFilter !== undefined && { node_filter: r.nodeFilter }),
    }),
  ], 'normal');
}

export async function writeTemplates(d: Deployment, s: CompiledService): Promise<void> {
  const writes: Promise<unknown>[] = [];
  const classNames = new Set<string>(Object.values(s.classes).flat());
  for (const c of classNames) {
    if (!d.get('class', `classes/${floriaName(c)}`)) writes.push(d.create('class', { id: `classes/${floriaName(c)}`, metadata: { 'tosca:type': c } }));
  }
  for (const n of s.nodes) {
    const id = `templates/${floriaName(n.name)}`;
    writes.push(
      d.create('vertex-template', {
        id,
        metadata: nodeMetadata(n),
        classIds: n.classes.map((c) => `classes/${floriaName(c)}`),
        // count may be computed ($get_input): metadata is literal, so it is a property here.
        properties: { ...propertyInputs(n.properties), 'tosca:count': typeof n.count === 'bigint' ? { readOnly: true, value: n.count } : { readOnly: true, updater: n.count } },
        handlers: Object.fromEntries(Object.entries(n.handlers).map(([e, hs]) => [e, hs.map((h) => ({ fn: h.fn, args: h.args }))])),
      }),
    );
  }
  await Promise.all(writes);
  const edges: Promise<unknown>[] = [];
  for (const n of s.nodes) {
    n.requirements.forEach((r, i) => {
      edges.push(
        d.create('edge-template', {
          id: `templates/${floriaName(n.name)}.${floriaName(r.name)}.${i}`,
          source: `templates/${floriaName(n.name)}`,
          target: { finder: finderOf(r) as never },
          metadata: { 'tosca:requirement': r.name, ...(r.relationshipType !== undefined && { 'tosca:relationship-type': r.relationshipType }) },
          classIds: r.relationshipClasses.map((c) => `classes/${floriaName(c)}`),
          properties: propertyInputs(r.properties),
          handlers: Object.fromEntries(Object.entries(r.handlers).map(([e, hs]) => [e, hs.map((h) => ({ fn: h.fn, args: h.args }))])),
        }),
      );
    });
  }
  await Promise.all(edges);
}
