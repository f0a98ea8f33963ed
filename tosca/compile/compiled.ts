/**
 * The compiled form of a service template: plain data, independent of YAML and of the store.
 * The pure compiler produces it; write-templates.ts puts it into a deployment as Floria templates;
 * instantiate.ts turns it into vertexes and edges. `khutulun compile` prints it.
 */
import type { Expression } from '../../store/index.js';
import type { Position } from '../problems/index.js';

export interface CompiledProperty {
  readonly name: string;
  /** TOSCA properties are set once (read-only); attributes stay writable. */
  readonly readOnly: boolean;
  readonly value?: Expression;
  /** A computed value: an eager call (evaluated at instantiation and on floria:update). */
  readonly updater?: Expression;
  readonly type?: string;
  readonly description?: string;
}

export interface CompiledHandler {
  /** `<plugin-id>:<function>` */
  readonly fn: string;
  /** [operation inputs as a map] */
  readonly args: readonly Expression[];
}

export interface CompiledArtifact {
  readonly name: string;
  readonly type?: string;
  /** The artifact type and its ancestors (root last), when the type is known. */
  readonly types?: readonly string[];
  /** `artifact_version`. */
  readonly version?: string;
  readonly properties?: Readonly<Record<string, Expression>>;
  readonly file?: string;
  readonly checksum?: string;
  readonly checksumAlgorithm?: string;
  readonly deployPath?: string;
}

/** A file a script operation needs, where the template names it (resolved by script-contents.ts). */
export interface CompiledScriptFile {
  readonly file: string;
  readonly pos: Position;
}

/**
 * An operation implemented by a script artifact (not a plugin function). compileFile reads its
 * files and turns the node's scripts into the `khutulun:scripts` property the khutulun.script
 * plugin runs (then drops this field).
 */
export interface CompiledScript {
  /** The event (`Standard.create`, `Configure.add_target`). */
  readonly event: string;
  readonly interpreter: 'sh' | 'bash' | 'python3' | 'ansible-playbook';
  readonly primary: CompiledScriptFile;
  readonly dependencies: readonly CompiledScriptFile[];
  readonly timeoutMs: number;
  readonly inputs: readonly (readonly [string, Expression])[];
  /** Output name -> attribute of SELF it is written to. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Set when the operation cannot run here: reported as a problem by compileFile. */
  readonly problem?: { readonly pos: Position; readonly code: string; readonly message: string };
}

export interface CompiledRequirement {
  readonly name: string;
  /** Occurrence slots this entry creates (an assignment's `count`, default 1). */
  readonly count: number;
  /** True when the requirement may stay unfulfilled (`optional` or a count_range lower bound of 0 with no assignment). */
  readonly optional: boolean;
  /** Target node template name, when the assignment names one. */
  readonly nodeTemplate?: string;
  /** Target node type (the candidate's type must derive from it). */
  readonly nodeType?: string;
  /** Target capability: by name on the target, or by type. */
  readonly capabilityName?: string;
  readonly capabilityType?: string;
  readonly relationshipType?: string;
  readonly relationshipClasses: readonly string[];
  readonly properties: readonly CompiledProperty[];
  readonly handlers: Readonly<Record<string, readonly CompiledHandler[]>>;
  /** A boolean condition evaluated with SELF = the candidate target node. */
  readonly nodeFilter?: Expression;
  /** Capability property -> amount this relationship allocates. */
  readonly allocation?: Readonly<Record<string, Expression>>;
  /**
   * A requirement for the cluster's hosts (capability AgentHost): fulfilled by placement, not by
   * a node of the template; its node_filter constrains the owning host.
   */
  readonly placement?: boolean;
  /** Relationship operations implemented by scripts (see CompiledScript). */
  readonly scripts?: readonly CompiledScript[];
}

export interface CompiledCapability {
  readonly name: string;
  readonly type: string;
  readonly classes: readonly string[];
  /** Allocatable limits: property name -> total (for allocation checks). */
  readonly properties: readonly CompiledProperty[];
}

export interface CompiledNode {
  readonly name: string;
  readonly type: string;
  /** The type and every ancestor (Floria classes). */
  readonly classes: readonly string[];
  readonly directives: readonly string[];
  /** `count` (an integer, or an expression evaluated at instantiation). */
  readonly count: Expression;
  readonly properties: readonly CompiledProperty[];
  readonly capabilities: readonly CompiledCapability[];
  readonly requirements: readonly CompiledRequirement[];
  /** Event (`Standard.start`) -> handlers. */
  readonly handlers: Readonly<Record<string, readonly CompiledHandler[]>>;
  readonly artifacts: readonly CompiledArtifact[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Operations implemented by scripts (see CompiledScript). */
  readonly scripts?: readonly CompiledScript[];
}

/** A policy trigger: run `actions` on the policy's targets when `event` reaches one of them. */
export interface CompiledTrigger {
  readonly name: string;
  readonly event: string;
  /** A condition is given (not evaluated yet: the trigger is reported, not run). */
  readonly condition: boolean;
  readonly actions: readonly CompiledActivity[];
}

export interface CompiledPolicy {
  readonly name: string;
  readonly type: string;
  readonly classes: readonly string[];
  readonly properties: readonly CompiledProperty[];
  /** Node template (or group) names the policy applies to. */
  readonly targets: readonly string[];
  /** Trigger names (every trigger; `triggerDefs` holds those with an event). */
  readonly triggers: readonly string[];
  readonly triggerDefs: readonly CompiledTrigger[];
}

export interface CompiledGroup {
  readonly name: string;
  readonly type: string;
  readonly classes: readonly string[];
  readonly members: readonly string[];
  readonly properties: readonly CompiledProperty[];
}

/** One activity of a workflow step (TOSCA 2.0 §13.2): what the engine runs for `khutulun run --workflow`. */
export interface CompiledActivity {
  readonly kind: 'call_operation' | 'set_state' | 'delegate' | 'inline';
  /** call_operation: `Interface.operation`; set_state: the state; delegate/inline: the workflow. */
  readonly name: string;
  readonly inputs: Readonly<Record<string, Expression>>;
}

export interface CompiledWorkflowStep {
  readonly name: string;
  readonly target?: string;
  /** `kind:name` of each activity (a summary; `actions` has the detail). */
  readonly activities: readonly string[];
  readonly actions: readonly CompiledActivity[];
  readonly onSuccess: readonly string[];
  readonly onFailure: readonly string[];
  /** Step features the engine does not evaluate yet (`filter`, `target_relationship`, `operation_host`). */
  readonly unsupported: readonly string[];
}

export interface CompiledWorkflow {
  readonly name: string;
  readonly description?: string;
  /** Declared inputs: name, whether required, and the default value. */
  readonly inputs: readonly { readonly name: string; readonly required: boolean; readonly default?: Expression }[];
  readonly steps: readonly CompiledWorkflowStep[];
  /** Workflow features the engine does not evaluate yet (`precondition`, `implementation`, `outputs`). */
  readonly unsupported: readonly string[];
}

export interface CompiledService {
  readonly description?: string;
  readonly inputs: readonly CompiledProperty[];
  readonly outputs: readonly CompiledProperty[];
  readonly nodes: readonly CompiledNode[];
  readonly policies: readonly CompiledPolicy[];
  readonly groups: readonly CompiledGroup[];
  readonly workflows: readonly CompiledWorkflow[];
  /** Every node/relationship/capability type used, with its ancestors (root last). */
  readonly classes: Readonly<Record<string, readonly string[]>>;
}
