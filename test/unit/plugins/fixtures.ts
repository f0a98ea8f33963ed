/** Shared fixtures for the plugin tests: snapshots and calls. */
import type { PluginCall, VertexSnapshot } from '../../../plugins/host/index.js';

export function snapshot(id = 'dep/web', properties: VertexSnapshot['properties'] = {}): VertexSnapshot {
  return { id, classes: ['tosca:Root'], properties, edges: [] };
}

export function call(plugin: string, fn = 'run', snap: VertexSnapshot = snapshot(), event = 'Standard.start'): PluginCall {
  return { plugin, fn, event: { name: event }, snapshot: snap };
}
