/**
 * Applies a Day-2 plan (update-plan.ts) to a deployment document: desired state only. The new
 * instantiation lives in a scratch store; what it has that the document lacks is copied in, what
 * changed is replaced, what is gone is retired — each touched vertex gets the request's generation
 * in its control slice (store/control.ts), and the owners' actors converge on it.
 */
import { formatEntityId, parseEntityId, readControl, withControl } from '../store/index.js';
import type { Deployment, Edge, Property, PropertyInput, Vertex } from '../store/index.js';
import type { DeploymentPlan } from './update-plan.js';

function input(p: Property): PropertyInput {
  return {
    metadata: p.metadata,
    classIds: p.classIds,
    readOnly: p.readOnly,
    ...(p.value !== undefined ? { value: p.value } : {}),
    ...(p.updater !== undefined ? { updater: p.updater } : {}),
    ...(p.preparer !== undefined ? { preparer: p.preparer } : {}),
  };
}

function properties(ps: Vertex['properties']): Record<string, PropertyInput> {
  return Object.fromEntries(Object.entries(ps).map(([k, p]) => [k, input(p)]));
}

/** The node vertex `id` of `scratch`, made again in `d` (its control slice at `generation`). */
async function createVertex(d: Deployment, v: Vertex, generation: number): Promise<void> {
  await d.create('vertex', {
    id: formatEntityId(v.id),
    ...(v.origin !== undefined ? { origin: v.origin } : {}),
    metadata: withControl(v, { generation }),
    classIds: v.classIds,
    properties: properties(v.properties),
    handlers: v.handlers,
  });
}

async function createEdge(d: Deployment, e: Edge): Promise<void> {
  await d.create('edge', {
    id: formatEntityId(e.id),
    source: e.source,
    target: e.target,
    ...(e.origin !== undefined ? { origin: e.origin } : {}),
    metadata: e.metadata,
    classIds: e.classIds,
    properties: properties(e.properties),
    handlers: e.handlers,
  });
}

/** Control metadata without `retired` (a node retired by an earlier update and now wanted again). */
function revived(v: Vertex, generation: number): Vertex['metadata'] {
  const meta = { ...withControl(v, { generation }) };
  delete meta['khutulun:retired'];
  return meta;
}

export async function applyPlan(d: Deployment, scratch: Deployment, plan: DeploymentPlan, generation: number): Promise<void> {
  const sid = d.require('vertex', d.serviceVertex).id;
  // Types new to the deployment (a node whose type changed) come along.
  for (const c of scratch.list('class')) if (!d.get('class', c.id)) await d.create('class', { id: formatEntityId(c.id), metadata: c.metadata });
  const newService = scratch.require('vertex', scratch.serviceVertex);
  for (const c of plan.service) {
    const p = newService.properties[c.name];
    await d.replaceProperty(sid, c.name, p ? input(p) : undefined);
  }
  for (const e of plan.edges.removed) {
    const edge = d.get('edge', e);
    if (edge) await d.delete(edge.id);
  }
  for (const c of plan.changes) {
    const have = d.get('vertex', c.node);
    const want = scratch.get('vertex', c.node);
    switch (c.action) {
      case 'create':
        if (!want) break;
        if (have) {
          // Still being removed by an earlier update: take it back with the new spec.
          await d.update(have.id, { metadata: { ...want.metadata, ...revived(have, generation) }, classIds: want.classIds, handlers: want.handlers });
          for (const [name, p] of Object.entries(want.properties)) if (p.readOnly) await d.replaceProperty(have.id, name, input(p));
        } else await createVertex(d, want, generation);
        break;
      case 'update':
        if (!have || !want) break;
        for (const p of c.properties ?? []) {
          const next = want.properties[p.name];
          await d.replaceProperty(have.id, p.name, next ? input(next) : undefined);
        }
        await d.update(have.id, { metadata: withControl(have, { generation }) });
        break;
      case 'replace':
        if (!have || !want) break;
        for (const [name, p] of Object.entries(want.properties)) if (p.readOnly) await d.replaceProperty(have.id, name, input(p));
        await d.update(have.id, { metadata: withControl({ metadata: { ...want.metadata, ...pickControl(have) } }, { generation, replace: generation }), classIds: want.classIds, handlers: want.handlers });
        break;
      case 'reconfigure':
        if (have) await d.update(have.id, { metadata: withControl(have, { generation }) });
        break;
      case 'delete':
        if (have && readControl(have.metadata).retired === undefined) await d.update(have.id, { metadata: withControl(have, { retired: generation }) });
        break;
    }
  }
  for (const e of plan.edges.added) {
    const edge = scratch.get('edge', e);
    if (!edge) continue;
    const old = d.get('edge', e);
    if (old) await d.delete(old.id);
    await createEdge(d, edge);
  }
  await d.flush();
}

function pickControl(v: Vertex): Vertex['metadata'] {
  return Object.fromEntries(Object.entries(v.metadata).filter(([k]) => k.startsWith('khutulun:generation') || k.startsWith('khutulun:replace')));
}

/** Marks every node of a freshly instantiated deployment as generation 1 (its first request). */
export async function stampGeneration(d: Deployment, generation: number): Promise<void> {
  await Promise.all(d.query({ kind: 'vertex', directory: ['nodes'] }).map((v) => d.update(parseEntityId('vertex', formatEntityId(v.id)), { metadata: withControl(v, { generation }) })));
  await d.flush();
}
