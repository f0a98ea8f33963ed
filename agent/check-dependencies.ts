/**
 * Rejects a compiled deployment whose requirements point at unknown nodes or form a cycle, before
 * anything is recorded. The order itself is the actor layer's (actors/engine/waves.ts).
 */
import { KhutulunError } from '../common/index.js';
import { dependencyWaves } from '../actors/index.js';

export interface DependentNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

export function checkDependencies(nodes: readonly DependentNode[]): void {
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const missing = n.dependsOn.find((d) => !ids.has(d));
    if (missing !== undefined) {
      throw new KhutulunError('KH-AGENT-050', `node "${n.id}" depends on unknown node "${missing}"`, {
        hint: 'every requirement must target a node of the same deployment',
      });
    }
  }
  // Throws KH-ACTOR-005 naming the nodes of a cycle.
  dependencyWaves([...ids], nodes.flatMap((n) => n.dependsOn.map((target) => ({ source: n.id, target }))));
}
