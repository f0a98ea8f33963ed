/**
 * What the HTTP API, the CLI and embedders need from the engine: one small interface over the one
 * production engine (agent/store-engine.ts on agent/cluster-engine.ts). Every operation writes
 * desired state into the deployment's document; the owners' actors converge observed state on it.
 */
import type { DeploymentPlan } from './update-plan.js';
import type { RunResult } from './run-operation.js';
import type { WorkflowStepReport } from './workflow-run.js';
import type { DeploymentGraph } from './deployment-graph.js';
import type { HistoryQuery, HistoryRecord } from './deployment-history.js';
import type { PluginsView } from './plugin-policy.js';

export interface DeployRequest {
  name: string;
  /** TOSCA service template source (YAML); empty when `archive` is given. */
  source: string;
  /**
   * A CSAR (zip, tar or tar.gz) as base64, deployed instead of `source`: it carries its imports
   * and artifacts, e.g. the Wasm components of plugins shipped with the service.
   */
  archive?: string;
  /** File name the source came from (for problem positions); optional. */
  sourceName?: string;
  inputs: Record<string, unknown>;
}

export type NodeState = 'pending' | 'starting' | 'started' | 'failing' | 'failed' | 'stopping' | 'stopped';
export type DeploymentState = 'deploying' | 'deployed' | 'updating' | 'failing' | 'failed' | 'undeploying' | 'undeployed' | 'partial';

export interface NodeStatus {
  id: string;
  template: string;
  /** Owner host: its name when the cluster knows it (the API fills it in), else its id. */
  host: string;
  /** Owner host id. */
  hostId?: string;
  state: NodeState | string;
  message?: string;
  /** What to do about the last error (its hint), when there is one. */
  hint?: string;
  /** Workload restarts by supervision since the last deploy/update of the node. */
  restarts?: number;
  /** The spec generation the node runs (observed) and the one it should run (desired). */
  generation?: number;
  desiredGeneration?: number;
  /** The last lines the workload wrote to stderr, when it failed or is failing. */
  stderrTail?: string[];
}

export interface DeploymentStatus {
  name: string;
  state: DeploymentState | string;
  /** The request generation (every deploy, update, scale and undeploy is one). */
  generation?: number;
  nodes: NodeStatus[];
  outputs: Record<string, unknown>;
}

export interface DeploymentSummary {
  name: string;
  state: DeploymentState | string;
  nodes: number;
}

/** What a deploy of an existing name did. */
export type DeployAction = 'created' | 'updated' | 'unchanged';

export interface DeployResult extends DeploymentStatus {
  action?: DeployAction;
  plan?: DeploymentPlan;
}

export interface UndeployOptions {
  /** Remove the record even when a runtime cannot confirm; reports what may be left behind. */
  force?: boolean;
}

export interface UndeployResult extends DeploymentStatus {
  /** With force: nodes whose runtime did not confirm their removal (may still run). */
  leftBehind?: NodeStatus[];
}

/** `run NAME [NODE] OPERATION` or `run NAME --workflow W`: exactly one of operation and workflow. */
export interface RunSpec {
  /** A node id (`web-1`) or a template (all its instances); every node implementing the operation when absent. */
  node?: string;
  operation?: string;
  workflow?: string;
  inputs?: Record<string, unknown>;
  /** How long to wait for the owners of the nodes (default 60 s). */
  timeoutMs?: number;
}

export type RunReport = RunResult & { steps?: WorkflowStepReport[] };

export interface DeploymentEngine {
  /** Creates NAME, or updates it when it exists (the plan says what changed); resolves once recorded. */
  deploy(request: DeployRequest): Promise<DeployResult>;
  /** What deploying the request would change, without changing anything. */
  plan(request: DeployRequest): Promise<DeploymentPlan>;
  /** Applies the plan of the request to an existing deployment (refuses an unknown name). */
  update(request: DeployRequest, options?: { dryRun?: boolean }): Promise<DeployResult>;
  /** Sets the instance count of one node template. */
  scale(name: string, node: string, count: number, options?: { dryRun?: boolean }): Promise<DeployResult>;
  status(name: string): Promise<DeploymentStatus>;
  outputs(name: string): Promise<Record<string, unknown>>;
  /** Nodes (state, properties, attributes, endpoints), relationships and the update in progress. */
  graph(name: string): Promise<DeploymentGraph>;
  /** What happened to the nodes, oldest first, with values; outlives undeploy (archived). */
  history(name: string, query?: HistoryQuery): Promise<HistoryRecord[]>;
  /** Stops the nodes in reverse dependency order and forgets the deployment. */
  undeploy(name: string, options?: UndeployOptions): Promise<UndeployResult>;
  list(): Promise<DeploymentSummary[]>;
  /** Runs an interface operation or a workflow on the owners of its nodes; resolves with every result. */
  run(name: string, spec: RunSpec): Promise<RunReport>;
  /** Waits for in-flight work (used by close() and by tests). */
  idle(): Promise<void>;
  /** The plugin registry, this host's shipped plugins and the grant policy (agent/plugin-policy.ts). */
  plugins?(): Promise<PluginsView>;
  /** Sets the grants plugin NAME may have in this cluster; answers the whole policy. */
  allowPlugin?(name: string, grants: readonly string[]): Promise<Record<string, string[]>>;
  /** Stops following documents and abandons coordination (the agent is shutting down). */
  close?(): void;
}
