/** The graphs the pipeline and actor benchmarks deploy (kept apart: no plugin host import). */
import type { EdgeView, GraphView, VertexView } from '../actors/index.js';

const STANDARD = ['create', 'configure', 'start', 'stop', 'delete'];

/** `nodes` vertexes in `waves` layers; each node requires one node of the layer below. */
export function benchGraph(deployment: string, nodes: number, waves: number): GraphView {
  const perWave = Math.ceil(nodes / waves);
  const vertexes: VertexView[] = [];
  const edges: EdgeView[] = [];
  for (let i = 0; i < nodes; i++) {
    const id = `${deployment}/n${i}`;
    const handlers: Record<string, string[]> = {};
    for (const op of STANDARD) handlers[`Standard.${op}`] = [`khutulun.noop:${op}`];
    vertexes.push({ id, classes: [], properties: {}, handlers });
    if (i >= perWave) edges.push({ id: `${id}-dep`, name: 'dependency', source: id, target: `${deployment}/n${i - perWave}`, classes: [], properties: {}, handlers: {} });
  }
  return { vertexes, edges };
}
