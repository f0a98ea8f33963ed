/** Shared builders for the actor tests: graphs with handlers, and a fake lifecycle plugin. */
import type { Effect } from '../../../plugins/effects.js';
import { FakePluginHost } from '../../../plugins/host/index.js';
import type { PluginEvent, VertexSnapshot } from '../../../plugins/host/index.js';
import type { EdgeView, GraphView, VertexView } from '../../../actors/index.js';

export const LIFECYCLE = ['Standard.create', 'Standard.configure', 'Standard.start', 'Standard.stop', 'Standard.delete'];
export const RELATIONSHIP = [
  'Configure.pre_configure_source',
  'Configure.pre_configure_target',
  'Configure.post_configure_source',
  'Configure.post_configure_target',
  'Configure.add_target',
  'Configure.add_source',
  'Configure.remove_target',
  'Configure.remove_source',
];

export function vertex(id: string, plugin: string, extra: Partial<VertexView> = {}): VertexView {
  const handlers: Record<string, string[]> = {};
  for (const e of LIFECYCLE) handlers[e] = [`${plugin}:${e.slice('Standard.'.length)}`];
  return { id, classes: [], properties: {}, handlers, ...extra };
}

export function edge(source: string, target: string, plugin?: string): EdgeView {
  const handlers: Record<string, string[]> = {};
  if (plugin) for (const e of RELATIONSHIP) handlers[e] = [`${plugin}:rel`];
  return { id: `${source}--${target}`, name: 'dependency', source, target, classes: [], properties: {}, handlers };
}

/** A layered template: `layers` waves of `width` nodes, each node requiring two of the layer below. */
export function layeredGraph(layers: number, width: number, plugin: string, relPlugin?: string): GraphView {
  const vertexes: VertexView[] = [];
  const edges: EdgeView[] = [];
  for (let l = 0; l < layers; l++) {
    for (let w = 0; w < width; w++) {
      const id = `n${l}-${w}`;
      vertexes.push(vertex(id, plugin));
      if (l > 0) {
        edges.push(edge(id, `n${l - 1}-${w}`, relPlugin));
        edges.push(edge(id, `n${l - 1}-${(w + 1) % width}`, relPlugin));
      }
    }
  }
  return { vertexes, edges };
}

/** What a lifecycle plugin does: start ensures a noop workload, stop removes it. */
export function lifecycleEffects(event: PluginEvent, v: VertexSnapshot, deployment = 'd'): Effect[] {
  const workload = `${deployment}/${v.id}`;
  switch (event.name) {
    case 'Standard.create':
      return [{ type: 'set-property', property: 'created', value: true }];
    case 'Standard.start':
      return [{ type: 'intent', intent: { action: 'ensure', runtime: 'noop', workload, spec: { kind: 'noop', vertex: v.id } } }];
    case 'Standard.stop':
      return [{ type: 'intent', intent: { action: 'remove', runtime: 'noop', workload } }];
    default:
      return [];
  }
}

export function fakeLifecyclePlugin(deployment = 'd', fail?: (event: PluginEvent, v: VertexSnapshot) => Error | undefined): FakePluginHost {
  const host = new FakePluginHost();
  const fn = (event: PluginEvent, v: VertexSnapshot): Effect[] => {
    const error = fail?.(event, v);
    if (error) throw error;
    return lifecycleEffects(event, v, deployment);
  };
  host.define('test.life', { create: fn, configure: fn, start: fn, stop: fn, delete: fn, rel: () => [] });
  return host;
}
