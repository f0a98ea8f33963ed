/**
 * A deployment's status as users see it, read from the document (any host can answer): each node's
 * phase — `failing` when its workload keeps crashing, never `started` — with its restarts, the last
 * error and the tail of the workload's stderr, and the observed vs desired spec generation.
 */
import type { ErrorData } from '../common/index.js';
import { crashLooping } from '../actors/index.js';
import type { ActorState } from '../actors/index.js';
import { formatEntityId, readControl } from '../store/index.js';
import type { Deployment, Vertex } from '../store/index.js';
import type { DeploymentStatus, NodeStatus } from './deployment-engine.js';
import type { DeploymentRequest } from './cluster-reconciler.js';

function actorOf(v: Vertex): Partial<ActorState> | undefined {
  const observed = v.status?.observed as { actor?: Partial<ActorState> } | undefined;
  return observed?.actor;
}

function tailOf(e: ErrorData | undefined): string[] | undefined {
  const t = e?.details?.['stderrTail'];
  return Array.isArray(t) && t.every((l) => typeof l === 'string') ? (t as string[]) : undefined;
}

export function nodeStatus(v: Vertex, now: number, selfHost: string): NodeStatus {
  const phase = v.status?.state ?? 'initial';
  const actor = actorOf(v);
  const control = readControl(v.metadata);
  const full = actor ? ({ ...actor, phase, reason: v.status?.reason ?? '', at: v.status?.at ?? 0, restarts: actor.restarts ?? 0 } as ActorState) : undefined;
  const failing = full !== undefined && (phase === 'started' || phase === 'configured' || phase === 'starting') && crashLooping(full, now);
  const lastError = v.status?.error ?? (failing ? full?.crash?.last : undefined);
  const tail = tailOf(lastError) ?? (failing ? tailOf(full?.crash?.last) : undefined);
  // The last transition's reason says what a node waits for; a started node needs no explanation.
  const message = control.retired !== undefined ? `being removed (update ${control.retired})` : lastError ? `${lastError.code}: ${lastError.message}` : phase !== 'started' ? v.status?.reason : undefined;
  return {
    id: formatEntityId(v.id),
    template: String(v.metadata['tosca:template'] ?? v.id.name),
    host: v.owner ?? selfHost,
    hostId: v.owner ?? selfHost,
    state: failing ? 'failing' : phase,
    ...(message ? { message } : {}),
    restarts: (actor?.restarts ?? 0) + (failing ? (actor?.crash?.count ?? 0) : 0),
    ...(actor?.generation !== undefined ? { generation: actor.generation } : {}),
    desiredGeneration: control.generation,
    ...(tail && (failing || phase === 'error') ? { stderrTail: tail } : {}),
  };
}

/** The deployment's state word from its nodes and the recorded request. */
export function deploymentState(nodes: readonly NodeStatus[], retired: number, request: DeploymentRequest | undefined): string {
  if (request?.goal === 'undeployed') return nodes.every((n) => n.state === 'deleted' || n.state === 'initial') ? 'undeployed' : 'undeploying';
  if (nodes.some((n) => n.state === 'error')) return 'failed';
  if (nodes.some((n) => n.state === 'failing')) return 'failing';
  const fresh = (n: NodeStatus): boolean => n.state === 'started' && (n.generation ?? 0) >= (n.desiredGeneration ?? 0);
  if (retired === 0 && nodes.every(fresh)) return 'deployed';
  // Something ran a spec before (or is being removed): this is an update in progress.
  const wasDeployed = retired > 0 || nodes.some((n) => (n.generation ?? 0) > 0 && (n.generation ?? 0) < (n.desiredGeneration ?? 0));
  return wasDeployed ? 'updating' : 'deploying';
}

export function readStatus(d: Deployment, request: DeploymentRequest | undefined, now: number, selfHost: string): Omit<DeploymentStatus, 'outputs'> {
  const all = d.query({ kind: 'vertex', directory: ['nodes'] });
  const nodes = all.map((v) => nodeStatus(v, now, selfHost)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const retired = all.filter((v) => readControl(v.metadata).retired !== undefined).length;
  const live = nodes.filter((n) => !n.message?.startsWith('being removed'));
  return { name: d.name, state: deploymentState(live, retired, request), ...(request ? { generation: request.generation } : {}), nodes };
}
