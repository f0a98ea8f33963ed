/** The agent layer: one long-running host process (sync + HTTP API + membership + security). */
export { startAgent, SYNC_PATH } from './start-agent.js';
export type { Agent } from './start-agent.js';
export { resolveAgentOptions, parseHostPort, formatHostPort, parseLabels } from './agent-options.js';
export type { AgentOptions, ListenAddress, EngineContext } from './agent-options.js';
export { clusterEngine } from './cluster-engine.js';
export type { ClusterEngine, ClusterEngineOptions, OpenedHost } from './cluster-engine.js';
export type { PluginsView } from './plugin-policy.js';
export type { LocalPlugin } from './shipped-plugin-host.js';
export { readAgentRecord, writeAgentRecord, agentRecordPath } from './agent-record.js';
export type { AgentRecord } from './agent-record.js';
export { AgentErrors, httpStatusOf, validateDeploymentName } from './errors.js';
export { EventHub } from './event-hub.js';
export type { AgentEvent } from './event-hub.js';
export { clusterDocumentId, clusterGenesis } from './cluster-doc.js';
export type { ClusterDoc, HostRecord, DeploymentRef, HostCapacity } from './cluster-doc.js';
export type { HostView } from './membership.js';
export type {
  DeploymentEngine,
  DeployRequest,
  DeploymentStatus,
  DeploymentSummary,
  NodeStatus,
  NodeState,
  DeploymentState,
  DeployResult,
  DeployAction,
  UndeployOptions,
  UndeployResult,
  RunSpec,
  RunReport,
} from './deployment-engine.js';
export type { RunResult, RunStepResult } from './run-operation.js';
export type { WorkflowStepReport, StepState } from './workflow-run.js';
export { stepOrder } from './workflow-run.js';
export { planUpdate } from './update-plan.js';
export type { DeploymentGraph, GraphNode, GraphEdge } from './deployment-graph.js';
export type { HistoryRecord, HistoryQuery } from './deployment-history.js';
export type { DeploymentPlan, PlanChange, PlanAction, PropertyChange, GraphSnapshot, NodeSnapshot, EdgeSnapshot } from './update-plan.js';
export { StoreDeploymentEngine } from './store-engine.js';
export { lockStateDir, STATE_BUSY } from './state-lock.js';
export { checkDependencies } from './check-dependencies.js';
export { ClusterReconciler, readRequest, writeRequest, hasRole } from './cluster-reconciler.js';
export type { DeploymentRequest, ReconcileResult } from './cluster-reconciler.js';
export { placeDeployment, placementInput, schedulerHosts } from './placement.js';
