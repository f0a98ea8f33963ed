/**
 * Dependency waves from requirement edges: a vertex comes after every vertex it requires (the
 * targets of its outgoing edges); vertexes of one wave are independent and run in parallel.
 * Undeploy walks the same waves in reverse.
 */
import { ActorErrorCode, actorError } from '../errors.js';

export interface DependencyEdge {
  source: string;
  target: string;
}

/** Kahn's algorithm by levels. Edges to unknown vertexes are ignored; a cycle is KH-ACTOR-005. */
export function dependencyWaves(vertexes: readonly string[], edges: readonly DependencyEdge[]): string[][] {
  const known = new Set(vertexes);
  const requires = new Map<string, Set<string>>();
  const requiredBy = new Map<string, string[]>();
  for (const v of vertexes) requires.set(v, new Set());
  for (const e of edges) {
    if (!known.has(e.source) || !known.has(e.target)) continue;
    const pending = requires.get(e.source)!;
    if (pending.has(e.target)) continue; // two edges between the same nodes: one dependency
    pending.add(e.target);
    const list = requiredBy.get(e.target);
    if (list) list.push(e.source);
    else requiredBy.set(e.target, [e.source]);
  }
  const waves: string[][] = [];
  let current = vertexes.filter((v) => requires.get(v)!.size === 0).sort();
  let placed = 0;
  while (current.length > 0) {
    waves.push(current);
    placed += current.length;
    const next: string[] = [];
    for (const v of current) {
      for (const dependent of requiredBy.get(v) ?? []) {
        const pending = requires.get(dependent)!;
        pending.delete(v);
        if (pending.size === 0) next.push(dependent);
      }
    }
    current = next.sort();
  }
  if (placed < vertexes.length) {
    const stuck = vertexes.filter((v) => requires.get(v)!.size > 0).sort();
    throw actorError(ActorErrorCode.cycle, `requirement edges form a cycle among ${stuck.slice(0, 10).join(', ')}${stuck.length > 10 ? ', …' : ''}`, {
      hint: 'a node cannot (indirectly) require itself: remove one requirement of the cycle',
      details: { vertexes: stuck },
    });
  }
  return waves;
}
