export { HostEngine } from './host-engine.js';
export type { HostEngineOptions, DeploymentReport, VertexReport, ReconcileOptions } from './host-engine.js';
export { dependencyWaves } from './waves.js';
export type { DependencyEdge } from './waves.js';
export { reconcilePlan, atGoal } from './reconcile.js';
export type { ReconcileInput, ReconcilePlan } from './reconcile.js';
