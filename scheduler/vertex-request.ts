/** One vertex to place: what it needs from a host. */
import type { Constraint } from './constraint.js';
import type { VertexId } from './ids.js';
import type { Resources } from './resources.js';

export interface VertexRequest {
  readonly id: VertexId;
  /** The vertex template it came from (information for explanations and grouping). */
  readonly template?: string;
  readonly requests: Resources;
  /** node_filter-like condition every chosen host must satisfy. */
  readonly constraint?: Constraint;
}
