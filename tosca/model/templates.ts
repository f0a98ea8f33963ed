/**
 * Service template contents as read from a file: node and relationship templates, groups,
 * policies, workflows, inputs/outputs and substitution mappings.
 */
import type { Position } from '../problems/index.js';
import type { PNode } from '../reader/index.js';
import type { ArtifactDef, InterfaceDef, PropertyDef, Ref } from './definitions.js';

export interface CapabilityAssignment {
  readonly name: string;
  readonly pos: Position;
  readonly properties: ReadonlyMap<string, PNode>;
  readonly attributes: ReadonlyMap<string, PNode>;
  readonly directives?: readonly string[];
}

export interface RequirementAssignment {
  readonly name: string;
  readonly pos: Position;
  /** Capability name or capability type name. */
  readonly capability?: Ref;
  /** Node template name or node type name. */
  readonly node?: Ref;
  /** `[node, capability]` form of `node`. */
  readonly nodeCapability?: Ref;
  readonly relationshipTemplate?: Ref;
  readonly relationshipType?: Ref;
  readonly relationshipProperties: ReadonlyMap<string, PNode>;
  readonly relationshipInterfaces: ReadonlyMap<string, InterfaceDef>;
  readonly allocation?: PNode;
  readonly count?: { value: number; pos: Position };
  readonly nodeFilter?: PNode;
  readonly directives?: readonly string[];
  readonly optional?: boolean;
}

export interface NodeTemplateDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly metadata?: Record<string, string>;
  readonly directives: readonly string[];
  readonly properties: ReadonlyMap<string, PNode>;
  readonly attributes: ReadonlyMap<string, PNode>;
  readonly requirements: readonly RequirementAssignment[];
  readonly capabilities: ReadonlyMap<string, CapabilityAssignment>;
  readonly interfaces: ReadonlyMap<string, InterfaceDef>;
  readonly artifacts: ReadonlyMap<string, ArtifactDef>;
  readonly count?: PNode;
  readonly nodeFilter?: PNode;
  readonly copy?: Ref;
}

export interface RelationshipTemplateDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly properties: ReadonlyMap<string, PNode>;
  readonly attributes: ReadonlyMap<string, PNode>;
  readonly interfaces: ReadonlyMap<string, InterfaceDef>;
  readonly copy?: Ref;
}

export interface GroupDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly properties: ReadonlyMap<string, PNode>;
  readonly attributes: ReadonlyMap<string, PNode>;
  readonly members: readonly Ref[];
}

export interface TriggerDef {
  readonly name: string;
  readonly pos: Position;
  readonly event?: string;
  readonly condition?: PNode;
  readonly action: readonly PNode[];
}

export interface PolicyDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly properties: ReadonlyMap<string, PNode>;
  readonly targets: readonly Ref[];
  readonly triggers: ReadonlyMap<string, TriggerDef>;
}

export interface ActivityDef {
  readonly pos: Position;
  readonly kind: 'delegate' | 'set_state' | 'call_operation' | 'inline';
  /** delegate/inline: the workflow name; call_operation: `interface.operation`; set_state: the state. */
  readonly target: Ref;
  readonly inputs: ReadonlyMap<string, PNode>;
}

export interface WorkflowStepDef {
  readonly name: string;
  readonly pos: Position;
  readonly target?: Ref;
  readonly targetRelationship?: string;
  readonly filter?: PNode;
  readonly activities: readonly ActivityDef[];
  readonly onSuccess: readonly Ref[];
  readonly onFailure: readonly Ref[];
  readonly operationHost?: string;
}

export interface WorkflowDef {
  readonly name: string;
  readonly pos: Position;
  readonly description?: string;
  readonly inputs: ReadonlyMap<string, PropertyDef>;
  readonly precondition?: PNode;
  readonly steps: ReadonlyMap<string, WorkflowStepDef>;
  readonly implementation?: PNode;
  readonly outputs: ReadonlyMap<string, PNode>;
}

export interface SubstitutionMappingsDef {
  readonly pos: Position;
  readonly nodeType?: Ref;
  readonly substitutionFilter?: PNode;
  readonly properties: ReadonlyMap<string, PNode>;
  readonly attributes: ReadonlyMap<string, PNode>;
  readonly capabilities: ReadonlyMap<string, PNode>;
  /** Requirement mappings as written (a list of single-entry maps or a map). */
  readonly requirements: ReadonlyArray<{ name: string; pos: Position; value: PNode; count?: number | 'UNBOUNDED' }>;
  readonly interfaces: ReadonlyMap<string, PNode>;
}

export interface ServiceTemplateDef {
  readonly pos: Position;
  readonly description?: string;
  readonly inputs: ReadonlyMap<string, PropertyDef>;
  readonly outputs: ReadonlyMap<string, PropertyDef>;
  readonly nodeTemplates: ReadonlyMap<string, NodeTemplateDef>;
  readonly relationshipTemplates: ReadonlyMap<string, RelationshipTemplateDef>;
  readonly groups: ReadonlyMap<string, GroupDef>;
  readonly policies: ReadonlyArray<PolicyDef>;
  readonly workflows: ReadonlyMap<string, WorkflowDef>;
  readonly substitutionMappings?: SubstitutionMappingsDef;
}
