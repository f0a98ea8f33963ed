/** TOSCA -> Floria: the pure compiler, the templates it writes, and instantiation. */
export { compileService } from './compile.js';
export type { CompileOptions, CompileResult } from './compile.js';
export { compileFile } from './compile-file.js';
export type { CompileFileResult } from './compile-file.js';
export type {
  CompiledService, CompiledNode, CompiledRequirement, CompiledCapability, CompiledProperty, CompiledHandler,
  CompiledArtifact, CompiledPolicy, CompiledGroup, CompiledWorkflow, CompiledWorkflowStep, CompiledActivity, CompiledTrigger,
} from './compiled.js';
export { writeTemplates } from './write-templates.js';
export { instantiateService, attachToscaFunctions } from './instantiate.js';
export type { ServiceInstance, InstantiateProblem } from './instantiate.js';
export { readOutputs } from './outputs.js';
export { encodeWorkflow, decodeWorkflow } from './workflow-codec.js';
export type { OutputsResult } from './outputs.js';
export { DeploymentGraph } from './graph-view.js';
export { matchRequirements } from './match-requirements.js';
export type { Slot, Candidate, MatchResult } from './match-requirements.js';
export { floriaName, nodeName } from './names.js';
