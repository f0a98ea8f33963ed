/**
 * `khutulun history NAME [NODE]`: what happened to each node, oldest first — every change with its
 * fields' old → new values, the host that wrote it, when, and the request generation that caused
 * it. The generation of an entry is the deployment's request in effect at that point of the
 * document's causal order (the first request for what was written before it), or the node's own
 * spec generation when the change carries a newer one (an update writes the new spec before it
 * records the request).
 */
import { CONTROL_KEYS, formatEntityId } from '../store/index.js';
import type { Deployment, FieldChange, HistoryEntry } from '../store/index.js';
import { GOAL_PROPERTY } from './cluster-reconciler.js';

export interface HistoryRecord {
  /** ms since epoch, from the writer's clock. */
  at: number;
  deployment: string;
  node: string;
  /** The host that wrote the change: its name when the API knows it, else its id. */
  host: string;
  hostId: string;
  /** The request (deploy, update, scale, undeploy) in effect; 0 before the first. */
  generation: number;
  changes: FieldChange[];
}

export interface HistoryQuery {
  /** Node id or template name; absent = every node. */
  node?: string;
  /** Only entries at or after this time (ms since epoch). */
  since?: number;
}

const GENERATION_FIELD = `metadata:${CONTROL_KEYS.generation}`;

/** The request generations recorded on the service vertex, in causal order. */
function requestsOf(entries: readonly HistoryEntry[]): { order: number; generation: number }[] {
  const out: { order: number; generation: number }[] = [];
  for (const e of entries) {
    const c = e.changes.find((x) => x.field === `property:${GOAL_PROPERTY}`);
    const m = typeof c?.new === 'string' ? /:(\d+)$/.exec(c.new) : null;
    if (m) out.push({ order: e.order, generation: Number(m[1]) });
  }
  return out.sort((a, b) => a.order - b.order);
}

/** Pure: one node's entries with their generations (entries in any order). */
export function withGenerations(deployment: string, node: string, entries: readonly HistoryEntry[], requests: readonly { order: number; generation: number }[]): HistoryRecord[] {
  let spec = 0;
  const out: HistoryRecord[] = [];
  for (const e of [...entries].sort((a, b) => a.order - b.order)) {
    const g = e.changes.find((c) => c.field === GENERATION_FIELD)?.new;
    if (typeof g === 'number') spec = g;
    // Before any request was recorded (a new deployment's document is written first), the
    // change belongs to the first request.
    let request = requests[0]?.generation ?? 0;
    for (const r of requests) if (r.order <= e.order) request = r.generation;
    out.push({ at: e.at, deployment, node, host: e.host, hostId: e.host, generation: Math.max(request, spec), changes: [...e.changes] });
  }
  return out;
}

/** `nodes/worker-2` -> `worker` is not knowable once deleted: instance ids keep the template's name first. */
function templateOf(id: string): string {
  return (id.split('/').pop() ?? id).replace(/-\d+$/, '');
}

function matches(nodeId: string, template: string, wanted: string): boolean {
  return nodeId === wanted || template === wanted || nodeId.split('/').pop() === wanted;
}

/** The history of the deployment's nodes (or one of them), oldest first. */
export function readHistory(d: Deployment, query: HistoryQuery = {}): HistoryRecord[] {
  const requests = requestsOf(d.history(d.require('vertex', d.serviceVertex).id));
  const out: HistoryRecord[] = [];
  // Removed nodes too (scaled away, deleted by an update): their history is part of the story.
  for (const vid of d.historyIds('vertex')) {
    if (vid.directory.length !== 1 || vid.directory[0] !== 'nodes') continue;
    const id = formatEntityId(vid);
    const v = d.get('vertex', vid);
    if (query.node !== undefined && !matches(id, String(v?.metadata['tosca:template'] ?? templateOf(id)), query.node)) continue;
    out.push(...withGenerations(d.name, id, d.history(vid), requests));
  }
  return out.filter((r) => query.since === undefined || r.at >= query.since).sort((a, b) => a.at - b.at || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}
