/** The planner's output, committed by one writer (the holder of the cluster document's pen). */
import type { HostId, VertexId } from './ids.js';

export type UnplacedReasonCode =
  | 'no-ready-host'
  | 'constraint'
  | 'separation'
  | 'spread'
  | 'redundancy'
  | 'colocation'
  | 'exhausted'
  | 'invalid-policy';

export interface UnplacedReason {
  readonly code: UnplacedReasonCode;
  readonly message: string;
  /** How many hosts this reason ruled out (0 when it is not about hosts). */
  readonly hosts: number;
}

export interface Unplaced {
  readonly vertex: VertexId;
  /** Copy index (0 unless a redundancy policy asks for more copies). */
  readonly copy: number;
  readonly reasons: readonly UnplacedReason[];
}

export type ChangeCause = 'new' | 'host-lost' | 'host-gone' | 'constraint-changed' | 'duplicate';

export interface PlacementChange {
  readonly vertex: VertexId;
  readonly copy: number;
  readonly from?: HostId;
  readonly to: HostId;
  readonly cause: ChangeCause;
}

export interface Plan {
  /** vertex -> host of each copy (index = copy); a copy that could not be placed is absent. */
  readonly placements: ReadonlyMap<VertexId, readonly HostId[]>;
  readonly unplaced: readonly Unplaced[];
  /** Placements that differ from the state's existing placements (what the writer must commit). */
  readonly changes: readonly PlacementChange[];
}

/** A JSON-friendly form of a plan (for the API, the CLI and the cluster document). */
export function planToJSON(plan: Plan): {
  placements: Record<string, string[]>;
  unplaced: Unplaced[];
  changes: PlacementChange[];
} {
  const placements: Record<string, string[]> = {};
  for (const [v, hosts] of plan.placements) placements[v] = [...hosts];
  return { placements, unplaced: [...plan.unplaced], changes: [...plan.changes] };
}
