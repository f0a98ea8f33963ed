/**
 * Dependency waves: nodes whose dependencies are all in earlier waves form the next wave. Deploy
 * runs waves in order (each wave concurrently), undeploy runs them reversed. Pure.
 */
import { KhutulunError } from '../common/index.js';

export interface WaveNode {
  id: string;
  dependsOn: readonly string[];
}

export function dependencyWaves<N extends WaveNode>(nodes: readonly N[]): N[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      if (!byId.has(d)) {
        throw new KhutulunError('KH-AGENT-050', `node "${n.id}" depends on unknown node "${d}"`, {
          hint: 'every requirement must target a node of the same deployment',
        });
      }
    }
  }
  const done = new Set<string>();
  const waves: N[][] = [];
  let left = [...nodes];
  // Each pass places at least one node or stops: bounded by the node count.
  while (left.length > 0) {
    const wave = left.filter((n) => n.dependsOn.every((d) => done.has(d)));
    if (wave.length === 0) {
      throw new KhutulunError('KH-AGENT-051', `dependency cycle among nodes ${left.map((n) => n.id).join(', ')}`, {
        hint: 'remove one of the requirements that form the cycle',
      });
    }
    wave.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    waves.push(wave);
    for (const n of wave) done.add(n.id);
    left = left.filter((n) => !done.has(n.id));
  }
  return waves;
}
