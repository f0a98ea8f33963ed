/**
 * The normalized view of a validated service template: every node template with its type chain
 * and effective properties, attributes, capabilities, requirements and interfaces (inherited
 * definitions merged, defaults applied, values converted to `Value` with function calls as
 * structured nodes). This is what the compile step turns into Floria templates.
 */
import type { Position } from '../problems/index.js';
import type { ArtifactDef, TypeDef } from './definitions.js';
import type { Value } from './values.js';

export interface NormalizedCapability {
  readonly name: string;
  /** The capability type (resolved), if it resolved. */
  readonly type?: TypeDef;
  readonly properties: ReadonlyMap<string, Value>;
  readonly attributes: ReadonlyMap<string, Value>;
}

export interface NormalizedRequirement {
  readonly name: string;
  readonly pos: Position;
  /** Target node template name, or node type name for a dangling (to be selected) requirement. */
  readonly node?: string;
  /** Capability name in the target, or capability type name. */
  readonly capability?: string;
  /** Relationship type name or relationship template name. */
  readonly relationship?: string;
  readonly count: number;
  readonly optional: boolean;
  readonly directives: readonly string[];
  readonly nodeFilter?: Value;
  readonly allocation?: Value;
  readonly relationshipProperties: ReadonlyMap<string, Value>;
  /** From the definition: [min, max], max Infinity for UNBOUNDED. */
  readonly countRange: readonly [number, number];
}

export interface NormalizedOperation {
  readonly name: string;
  /** Primary artifact: an inline definition or the name of an artifact of the node. */
  readonly implementation?: string | ArtifactDef;
  readonly inputs: ReadonlyMap<string, Value>;
}

export interface NormalizedInterface {
  readonly name: string;
  readonly type?: TypeDef;
  readonly inputs: ReadonlyMap<string, Value>;
  readonly operations: ReadonlyMap<string, NormalizedOperation>;
}

export interface NormalizedNodeTemplate {
  readonly name: string;
  readonly pos: Position;
  readonly type: TypeDef;
  /** Type names from the template's type up to the root. */
  readonly typeChain: readonly string[];
  readonly directives: readonly string[];
  /** `count` (14.1): a literal number or a function; default 1. */
  readonly count: Value;
  readonly properties: ReadonlyMap<string, Value>;
  readonly attributes: ReadonlyMap<string, Value>;
  readonly capabilities: ReadonlyMap<string, NormalizedCapability>;
  readonly requirements: readonly NormalizedRequirement[];
  readonly interfaces: ReadonlyMap<string, NormalizedInterface>;
  readonly artifacts: ReadonlyMap<string, ArtifactDef>;
  readonly nodeFilter?: Value;
}

export interface NormalizedServiceTemplate {
  readonly inputs: ReadonlyMap<string, { type?: TypeDef; default?: Value; required: boolean }>;
  readonly outputs: ReadonlyMap<string, Value>;
  readonly nodeTemplates: ReadonlyMap<string, NormalizedNodeTemplate>;
}
