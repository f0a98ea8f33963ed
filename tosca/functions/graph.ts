/**
 * The representation graph as the TOSCA query functions see it. The compiler implements this view
 * over a Floria deployment (vertexes = node representations, edges = relationships); tests can
 * implement it over plain objects. Keeping the functions on this seam keeps them pure.
 */
import type { CallSite, Expression } from '../../store/index.js';

export interface ToscaNode {
  readonly kind: 'node';
  readonly id: string;
  readonly template: string;
  /** Index among the representations created from the same template ($node_index). */
  readonly index: number;
  property(name: string): Expression | undefined;
  attribute(name: string): Expression | undefined;
  capability(name: string): ToscaCapability | undefined;
  /** The outgoing relationships created for a requirement, in order. */
  relationships(requirement: string): readonly ToscaRelationship[];
  /** The location of an artifact (path or URL), or undefined. */
  artifact(name: string): Expression | undefined;
}

export interface ToscaCapability {
  readonly kind: 'capability';
  readonly name: string;
  readonly node: ToscaNode;
  property(name: string): Expression | undefined;
  attribute(name: string): Expression | undefined;
  /** Relationships targeting this capability, in a stable order. */
  incoming(): readonly ToscaRelationship[];
  /** What the incoming relationships allocate of a property (sum), for $available_allocation. */
  allocated(property: string): Expression | undefined;
}

export interface ToscaRelationship {
  readonly kind: 'relationship';
  readonly id: string;
  readonly requirement: string;
  /** Index among the relationships created from the same requirement ($relationship_index). */
  readonly index: number;
  source(): ToscaNode;
  target(): ToscaNode;
  capability(): ToscaCapability | undefined;
  property(name: string): Expression | undefined;
  attribute(name: string): Expression | undefined;
}

export type ToscaContext = ToscaNode | ToscaCapability | ToscaRelationship;

export interface ToscaGraph {
  /** Service input value (with its default applied), or undefined when not declared. */
  input(name: string): Expression | undefined;
  /** True when the service template declares the input (even without a value). */
  hasInput(name: string): boolean;
  /** The representations of a node template, in index order. */
  nodes(template: string): readonly ToscaNode[];
  /** SELF: the node or relationship that holds the call. */
  self(site: CallSite): ToscaContext | undefined;
  /** The value under validation for $value (preparers pass it in the call site). */
  value?(site: CallSite): Expression | undefined;
}
