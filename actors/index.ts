/** The actor layer: pure lifecycle logic, the per-host actor system and the HostEngine facade. */
export * as logic from './logic/index.js';
export { transition, initialActorState, DEFAULT_RETRY_POLICY, OPERATION_EVENT, crashLooping, isStale, CRASH_WINDOW_MS } from './logic/index.js';
export type { ActorState, ActorEvent, ActorEffect, LifecyclePhase, Operation, Goal, RetryPolicy } from './logic/index.js';
export { HostEngine, dependencyWaves, reconcilePlan, atGoal } from './engine/index.js';
export type { HostEngineOptions, DeploymentReport, VertexReport, ReconcileInput, ReconcilePlan, ReconcileOptions } from './engine/index.js';
export { ActorSystem, DeploymentGraph, RuntimeRegistry, PluginBatcher, RemoteSteps, STEP_REQUEST_PREFIX, STEP_DONE_PREFIX, RUN_REQUEST_PREFIX, RUN_DONE_PREFIX, SET_STATE, isLifecycleOperation, parseOutcome } from './system/index.js';
export type { InspectionEvent, InspectionListener, OperationStep, RemoteStepsOptions, RunRequest, RunOutcome } from './system/index.js';
export { MemoryActorStore, FileActorStore, FloriaActorStore } from './adapters/index.js';
export type { FloriaActorStoreOptions } from './adapters/index.js';
export type { ActorStorePort, GraphView, VertexView, EdgeView, StoredStatus } from './ports.js';
export { ActorErrorCode } from './errors.js';
