/**
 * Placement policies over groups of vertexes. The kinds map to the Khutulun TOSCA profile's
 * policy types (see docs/cluster.md): colocation (affinity, hard), separation (anti-affinity,
 * hard), spread (even spread across the values of a host label: hard with `maxSkew` — no value
 * may exceed the least used one by more — else a preference), redundancy (N copies of
 * each member on distinct hosts, or on distinct values of a label when one is given).
 */
import type { VertexId } from './ids.js';

export type PlacementPolicy =
  | { readonly name: string; readonly kind: 'colocation'; readonly members: readonly VertexId[] }
  | { readonly name: string; readonly kind: 'separation'; readonly members: readonly VertexId[]; readonly label?: string }
  | { readonly name: string; readonly kind: 'spread'; readonly members: readonly VertexId[]; readonly label: string; readonly maxSkew?: number }
  | {
      readonly name: string;
      readonly kind: 'redundancy';
      readonly members: readonly VertexId[];
      readonly copies: number;
      readonly label?: string;
    };

export type PlacementPolicyKind = PlacementPolicy['kind'];

export const POLICY_KINDS: readonly PlacementPolicyKind[] = ['colocation', 'separation', 'spread', 'redundancy'];
