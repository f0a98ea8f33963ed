/** The per-deployment Automerge document the agent's default engine keeps (one doc per deployment). */
import type { DeploymentState, DeploymentStatus, NodeState } from './deployment-engine.js';

export interface DeploymentNodeRecord {
  id: string;
  template: string;
  host: string;
  dependsOn: string[];
  state: NodeState;
  message: string;
  /** Clock time of the last transition. */
  since: number;
}

export interface DeploymentDoc {
  name: string;
  source: string;
  sourceName: string;
  inputs: Record<string, unknown>;
  state: DeploymentState;
  createdAt: number;
  createdBy: string;
  nodes: Record<string, DeploymentNodeRecord>;
  outputs: Record<string, unknown>;
}

export function statusOf(doc: DeploymentDoc): DeploymentStatus {
  const nodes = Object.values(doc.nodes ?? {})
    .map((n) => ({
      id: n.id,
      template: n.template,
      host: n.host,
      state: n.state,
      ...(n.message ? { message: n.message } : {}),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { name: doc.name, state: doc.state, nodes, outputs: plain(doc.outputs ?? {}) };
}

/** Automerge proxies → plain JSON (safe to serialise and to hand out). */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
