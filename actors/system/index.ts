export { ActorSystem } from './actor-system.js';
export type { ActorSystemOptions } from './actor-system.js';
export { Actor } from './actor.js';
export { DeploymentGraph } from './deployment-graph.js';
export type { OperationStep } from './deployment-graph.js';
export { Inspector } from './inspection.js';
export type { InspectionEvent, InspectionListener } from './inspection.js';
export { PluginBatcher } from './plugin-batcher.js';
export { RuntimeRegistry } from './runtime-registry.js';
