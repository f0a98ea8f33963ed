/**
 * A deployment as the live page draws it: every node with its state (the same reading as
 * `status`), its TOSCA properties, its attributes (what the workload reported) and its endpoints
 * (`capability:endpoint:*`), and the relationships between nodes. Any host can answer: it is all
 * in the deployment's document.
 */
import { formatEntityId, toJson } from '../store/index.js';
import type { Deployment, Property } from '../store/index.js';
import type { DeploymentStatus, NodeStatus } from './deployment-engine.js';
import type { DeploymentPlan } from './update-plan.js';

export interface GraphNode extends NodeStatus {
  type: string;
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
  endpoints: Record<string, unknown>;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** The TOSCA requirement name (`dependency`, `host`, …). */
  requirement?: string;
  type?: string;
}

export interface DeploymentGraph {
  name: string;
  state: string;
  generation?: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The last update this agent applied, while its nodes have not all reached its generation. */
  pendingUpdate?: { generation: number; plan: DeploymentPlan };
}

const ENDPOINT = /^capability:.*endpoint.*:/;

function valueOf(p: Property): unknown {
  return p.value === undefined ? null : toJson(p.value);
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The graph of `d`, its node states taken from `status` (read by the engine the usual way). */
export function readGraph(d: Deployment, status: Pick<DeploymentStatus, 'name' | 'state' | 'generation' | 'nodes'>): DeploymentGraph {
  const byId = new Map(status.nodes.map((n) => [n.id, n]));
  const nodes: GraphNode[] = [];
  for (const v of d.query({ kind: 'vertex', directory: ['nodes'] })) {
    const id = formatEntityId(v.id);
    const s = byId.get(id);
    if (!s) continue;
    const properties: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {};
    const endpoints: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(v.properties)) {
      // Khutulun's own bookkeeping (placement claims, the goal) is not the node's data.
      if (name.startsWith('khutulun:')) continue;
      if (ENDPOINT.test(name)) endpoints[name.replace(ENDPOINT, '')] = valueOf(p);
      else if (p.readOnly) properties[name] = valueOf(p);
      else attributes[name] = valueOf(p);
    }
    nodes.push({ ...s, type: String(v.metadata['tosca:type'] ?? ''), properties, attributes, endpoints });
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges: GraphEdge[] = [];
  for (const e of d.list('edge')) {
    if (!ids.has(e.source) || !ids.has(e.target)) continue;
    const requirement = text(e.metadata['tosca:requirement']);
    const type = text(e.metadata['tosca:relationship-type']);
    edges.push({ id: formatEntityId(e.id), source: e.source, target: e.target, ...(requirement ? { requirement } : {}), ...(type ? { type } : {}) });
  }
  nodes.sort((a, b) => (a.id < b.id ? -1 : 1));
  edges.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { name: status.name, state: status.state, ...(status.generation !== undefined ? { generation: status.generation } : {}), nodes, edges };
}
