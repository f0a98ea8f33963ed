/**
 * Definitions as read from one TOSCA file (after the grammar check, before type resolution).
 * Every definition keeps its source position; values stay as positioned YAML nodes (PNode) until
 * they are checked against their types.
 */
import type { Position } from '../problems/index.js';
import type { PNode } from '../reader/index.js';

/** A name that refers to something else (a type, a template, a repository), with where it was written. */
export interface Ref {
  readonly name: string;
  readonly pos: Position;
}

export type TypeKind =
  | 'artifact'
  | 'data'
  | 'capability'
  | 'interface'
  | 'relationship'
  | 'node'
  | 'group'
  | 'policy';

export const TYPE_KINDS: readonly TypeKind[] = [
  'artifact',
  'data',
  'capability',
  'interface',
  'relationship',
  'node',
  'group',
  'policy',
];

/** Schema of list entries or map keys/entries. */
export interface SchemaDef {
  readonly pos: Position;
  readonly type: Ref;
  readonly description?: string;
  readonly validation?: PNode;
  readonly keySchema?: SchemaDef;
  readonly entrySchema?: SchemaDef;
}

/** A property, attribute or parameter definition (inputs/outputs share it). */
export interface PropertyDef {
  readonly name: string;
  readonly pos: Position;
  /** Absent for parameters and refinements that only narrow (the parent's type applies). */
  readonly type?: Ref;
  readonly description?: string;
  /** Defaults to true for properties; attributes and parameters treat it per the standard. */
  readonly required?: boolean;
  readonly default?: PNode;
  /** A fixed value: it cannot be changed by a refinement or an assignment. */
  readonly value?: PNode;
  readonly validation?: PNode;
  readonly keySchema?: SchemaDef;
  readonly entrySchema?: SchemaDef;
  /** For parameters: an attribute mapping (`mapping: [SELF, attr]`). */
  readonly mapping?: PNode;
  readonly status?: string;
  readonly metadata?: Record<string, string>;
}

export interface ArtifactDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly file?: string;
  readonly repository?: Ref;
  readonly description?: string;
  readonly deployPath?: string;
  readonly artifactVersion?: string;
  readonly checksum?: string;
  readonly checksumAlgorithm?: string;
  readonly properties: ReadonlyMap<string, PNode>;
}

/** `implementation` of an operation or notification. */
export interface ImplementationDef {
  readonly pos: Position;
  readonly primary?: ArtifactDef | Ref;
  readonly dependencies: ReadonlyArray<ArtifactDef | Ref>;
  readonly timeout?: number;
}

export interface OperationDef {
  readonly name: string;
  readonly pos: Position;
  readonly description?: string;
  readonly implementation?: ImplementationDef;
  /** Definitions (in types) — or assignments as PropertyDef with only `value` (in templates). */
  readonly inputs: ReadonlyMap<string, PropertyDef>;
  readonly outputs: ReadonlyMap<string, PropertyDef>;
  /** Input assignments (in templates and operation refinements that assign values). */
  readonly inputValues: ReadonlyMap<string, PNode>;
  readonly notification: boolean;
}

export interface InterfaceDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly inputs: ReadonlyMap<string, PropertyDef>;
  readonly inputValues: ReadonlyMap<string, PNode>;
  readonly operations: ReadonlyMap<string, OperationDef>;
  readonly notifications: ReadonlyMap<string, OperationDef>;
}

export interface CapabilityDef {
  readonly name: string;
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly properties: ReadonlyMap<string, PropertyDef>;
  readonly attributes: ReadonlyMap<string, PropertyDef>;
  readonly validSourceNodeTypes?: readonly Ref[];
  readonly validRelationshipTypes?: readonly Ref[];
}

export interface RelationshipDefRef {
  readonly pos: Position;
  readonly type?: Ref;
  readonly description?: string;
  readonly properties: ReadonlyMap<string, PNode>;
  readonly interfaces: ReadonlyMap<string, InterfaceDef>;
}

export interface RequirementDef {
  readonly name: string;
  readonly pos: Position;
  readonly description?: string;
  readonly capability?: Ref;
  readonly node?: Ref;
  readonly relationship?: RelationshipDefRef;
  readonly nodeFilter?: PNode;
  /** [lower, upper]; upper is Infinity for UNBOUNDED. */
  readonly countRange?: readonly [number, number];
}

/** A type definition of any kind; keys that do not apply to a kind stay empty. */
export interface TypeDef {
  readonly kind: TypeKind;
  readonly name: string;
  readonly pos: Position;
  /** The file that declares it. */
  readonly file: string;
  readonly derivedFrom?: Ref;
  readonly version?: string;
  readonly description?: string;
  readonly metadata?: Record<string, string>;
  readonly properties: ReadonlyMap<string, PropertyDef>;
  readonly attributes: ReadonlyMap<string, PropertyDef>;
  // data types
  readonly validation?: PNode;
  readonly keySchema?: SchemaDef;
  readonly entrySchema?: SchemaDef;
  // scalar data types
  readonly dataType?: Ref;
  readonly units?: ReadonlyMap<string, { value: number; float: boolean; pos: Position }>;
  readonly prefixes?: ReadonlyMap<string, { value: number; float: boolean; pos: Position }>;
  readonly canonicalUnit?: { value: string; pos: Position };
  // capability types / relationship types / groups / policies
  readonly validSourceNodeTypes?: readonly Ref[];
  readonly validRelationshipTypes?: readonly Ref[];
  readonly validCapabilityTypes?: readonly Ref[];
  readonly validTargetNodeTypes?: readonly Ref[];
  readonly members?: readonly Ref[];
  readonly targets?: readonly Ref[];
  readonly triggers?: ReadonlyMap<string, PNode>;
  // node / relationship / group types
  readonly requirements: ReadonlyArray<RequirementDef>;
  readonly capabilities: ReadonlyMap<string, CapabilityDef>;
  readonly interfaces: ReadonlyMap<string, InterfaceDef>;
  readonly artifacts: ReadonlyMap<string, ArtifactDef>;
  // interface types
  readonly inputs: ReadonlyMap<string, PropertyDef>;
  readonly operations: ReadonlyMap<string, OperationDef>;
  readonly notifications: ReadonlyMap<string, OperationDef>;
  // artifact types
  readonly mimeType?: string;
  readonly fileExt?: readonly string[];
}

export interface RepositoryDef {
  readonly name: string;
  readonly pos: Position;
  readonly url: string;
  readonly description?: string;
}

export interface FunctionSignatureDef {
  readonly pos: Position;
  readonly arguments: readonly SchemaDef[];
  readonly optionalArguments: readonly SchemaDef[];
  readonly variadic: boolean;
  readonly result?: SchemaDef;
  /** What runs the function (e.g. a PluginFunction artifact naming `<plugin-id>:<function>`). */
  readonly implementation?: ImplementationDef;
}

export interface FunctionDef {
  readonly name: string;
  readonly pos: Position;
  readonly description?: string;
  readonly signatures: readonly FunctionSignatureDef[];
}

export interface ImportDef {
  readonly pos: Position;
  readonly url?: string;
  readonly profile?: string;
  readonly repository?: Ref;
  readonly namespace?: string;
}
