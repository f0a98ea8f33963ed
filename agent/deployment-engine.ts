/**
 * What the HTTP API needs from the layers below to deploy: one small interface, so the agent runs
 * before (and independently of) the TOSCA processor, scheduler and actors that implement it.
 */

export interface DeployRequest {
  name: string;
  /** TOSCA service template source (YAML). */
  source: string;
  /** File name the source came from (for problem positions); optional. */
  sourceName?: string;
  inputs: Record<string, unknown>;
}

export type NodeState = 'pending' | 'starting' | 'started' | 'failed' | 'stopping' | 'stopped';
export type DeploymentState = 'deploying' | 'deployed' | 'failed' | 'undeploying' | 'undeployed';

export interface NodeStatus {
  id: string;
  template: string;
  /** Owner host: its name when the cluster knows it (the API fills it in), else its id. */
  host: string;
  /** Owner host id. */
  hostId?: string;
  state: NodeState | string;
  message?: string;
}

export interface DeploymentStatus {
  name: string;
  state: DeploymentState | string;
  nodes: NodeStatus[];
  outputs: Record<string, unknown>;
}

export interface DeploymentSummary {
  name: string;
  state: DeploymentState | string;
  nodes: number;
}

export interface DeploymentEngine {
  /** Compiles, records and starts a deployment; resolves once it is recorded (not once started). */
  deploy(request: DeployRequest): Promise<DeploymentStatus>;
  status(name: string): Promise<DeploymentStatus>;
  outputs(name: string): Promise<Record<string, unknown>>;
  /** Stops the nodes in reverse dependency order and forgets the deployment. */
  undeploy(name: string): Promise<DeploymentStatus>;
  list(): Promise<DeploymentSummary[]>;
  /** Waits for in-flight waves (used by close() and by tests). */
  idle(): Promise<void>;
  /** Stops following documents and abandons coordination (the agent is shutting down). */
  close?(): void;
}

/** A compiled topology: what the TOSCA processor hands the agent. */
export interface CompiledNode {
  id: string;
  template: string;
  /** Ids of nodes that must be started before this one. */
  dependsOn: string[];
}

export interface CompiledDeployment {
  nodes: CompiledNode[];
  outputs: Record<string, unknown>;
}

export type Compiler = (request: DeployRequest) => Promise<CompiledDeployment>;

/** Places each node on a host id; until the scheduler is wired, everything goes to this host. */
export type Placer = (nodes: readonly CompiledNode[], localHostId: string) => Promise<Record<string, string>>;

/** Runs one node's lifecycle on its owner host (the actors engine in production). */
export interface NodeRunner {
  start(deployment: string, node: CompiledNode): Promise<void>;
  stop(deployment: string, node: CompiledNode): Promise<void>;
}
