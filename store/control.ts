/**
 * The control slice of a vertex: desired-state fields that steer the owners' actors through Day 2,
 * kept in the vertex metadata under fixed keys (never TOSCA properties, so no template can clash
 * with them), with one reader and one writer each.
 *
 *   khutulun:generation  the request generation whose spec the vertex must run (deploy = 1; an
 *                        update that changes the vertex, or something it requires, raises it)
 *   khutulun:replace     the generation from which the running workload must be replaced (removed
 *                        from every runtime and created afresh: its type or operations changed)
 *   khutulun:retired     the generation that removed the vertex (scale down, template change): its
 *                        owner stops and deletes it, then removes it from the document
 */
import type { Metadata, Vertex } from './entities.js';

export const CONTROL_KEYS = { generation: 'khutulun:generation', replace: 'khutulun:replace', retired: 'khutulun:retired' } as const;

export interface VertexControl {
  readonly generation: number;
  readonly replace?: number;
  readonly retired?: number;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return undefined;
}

/** The control fields of a vertex's metadata (generation 0 = written before Day 2 existed). */
export function readControl(metadata: Metadata): VertexControl {
  const replace = num(metadata[CONTROL_KEYS.replace]);
  const retired = num(metadata[CONTROL_KEYS.retired]);
  return { generation: num(metadata[CONTROL_KEYS.generation]) ?? 0, ...(replace !== undefined ? { replace } : {}), ...(retired !== undefined ? { retired } : {}) };
}

/** The vertex metadata with control fields changed (a patch for Deployment.update). */
export function withControl(vertex: Pick<Vertex, 'metadata'>, change: Partial<VertexControl>): Metadata {
  const out: Record<string, Metadata[string]> = { ...vertex.metadata };
  for (const key of ['generation', 'replace', 'retired'] as const) {
    const value = change[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`control ${key} must be a non-negative integer, not ${value}`);
    out[CONTROL_KEYS[key]] = BigInt(value);
  }
  return out;
}
