/**
 * Instantiation (floria.md): (1) run each template's `floria:instantiation:before` handlers — a
 * handler returning false (or failing) cancels; (2) copy templates into vertexes, recursing into
 * contained templates; (3) commit, then fire `floria:added` on each new vertex; (4) for each
 * outgoing edge template select the target (fixed vertex or finder call, optionally limited to
 * directories) and create the edge, which links BOTH endpoints.
 */
import type { KhutulunError } from '../common/index.js';
import { storeError } from './errors.js';
import { entityId, formatEntityId, generateName, parseEntityId } from './ids.js';
import type { EntityId } from './ids.js';
import { evaluate } from './expression/index.js';
import type { Expression } from './expression/index.js';
import type { InstantiateOptions, InstantiationResult } from './api.js';
import type { Edge, EdgeTemplate, EventHandlers, Vertex, VertexTemplate } from './entities.js';
import type { DeploymentImpl } from './deployment.js';
import { BUILTIN_EVENTS } from './dispatch.js';

const MAX_TEMPLATES = 10_000;

async function allowed(dep: DeploymentImpl, template: VertexTemplate, errors: KhutulunError[]): Promise<boolean> {
  const handlers = (template.instantiationHandlers as EventHandlers)[BUILTIN_EVENTS.instantiationBefore] ?? [];
  for (const h of handlers) {
    const r = await evaluate({ $: 'call', fn: h.fn, args: h.args ?? [], mode: 'eager' }, dep.functions, { deployment: dep.name, entity: template.id });
    if (r.errors.length > 0) {
      errors.push(...r.errors);
      return false;
    }
    if (r.value === false) return false;
  }
  return true;
}

export async function instantiateTemplate(dep: DeploymentImpl, templatePath: string, options: InstantiateOptions): Promise<InstantiationResult> {
  const errors: KhutulunError[] = [];
  const top = dep.require('vertex-template', templatePath);
  if (!(await allowed(dep, top, errors))) {
    throw storeError('KH-STORE-016', `instantiation of ${templatePath} was cancelled by a before-handler`, {
      hint: 'see the handler result or errors in details',
      details: { errors: errors.map((e) => e.toJSON()) },
    });
  }
  const directory = options.directory ?? top.id.directory;
  const ctx = dep.ctx;
  const plan: { template: VertexTemplate; path: string; containing?: string }[] = [];
  const topId = entityId('vertex', directory, options.name ?? generateName(ctx.hostId, ctx.clock, ctx.random));
  plan.push({ template: top, path: formatEntityId(topId), ...(options.containing !== undefined ? { containing: options.containing } : {}) });
  // Breadth-first over contained templates; a cancelled child skips its subtree.
  for (let i = 0; i < plan.length && plan.length < MAX_TEMPLATES; i++) {
    const parent = plan[i]!;
    for (const childPath of parent.template.contained) {
      const child = dep.get('vertex-template', childPath);
      if (!child) continue;
      if (!(await allowed(dep, child, errors))) {
        errors.push(storeError('KH-STORE-016', `instantiation of contained template ${childPath} was cancelled`));
        continue;
      }
      const id = entityId('vertex', directory, generateName(ctx.hostId, ctx.clock, ctx.random));
      plan.push({ template: child, path: formatEntityId(id), containing: parent.path });
    }
  }
  await Promise.all(
    plan.map((p) =>
      dep.create('vertex', {
        id: p.path,
        origin: formatEntityId(p.template.id),
        metadata: p.template.metadata,
        classIds: p.template.classIds,
        properties: p.template.properties,
        handlers: p.template.handlers,
        ...(p.containing !== undefined ? { containing: p.containing } : {}),
      }),
    ),
  );
  const vertexes: Vertex[] = plan.map((p) => dep.require('vertex', p.path));
  for (const v of vertexes) {
    const r = await dep.dispatch(BUILTIN_EVENTS.added, v.id);
    errors.push(...r.errors);
  }
  const edgeCreates: Promise<Edge>[] = [];
  for (const p of plan) {
    for (const etPath of p.template.outgoing) {
      const et = dep.get('edge-template', etPath);
      if (!et) continue;
      for (const target of await selectTargets(dep, et, parseEntityId('vertex', p.path), errors)) {
        edgeCreates.push(
          dep.create('edge', {
            directory: parseEntityId('vertex', p.path).directory,
            origin: formatEntityId(et.id),
            metadata: et.metadata,
            classIds: et.classIds,
            properties: et.properties,
            handlers: et.handlers,
            source: p.path,
            target,
          }),
        );
      }
    }
  }
  const edges: Edge[] = [];
  for (const r of await Promise.allSettled(edgeCreates)) {
    if (r.status === 'fulfilled') edges.push(r.value);
    else errors.push(storeError('KH-STORE-017', `edge creation failed: ${String((r.reason as Error)?.message ?? r.reason)}`, { cause: r.reason }));
  }
  return { vertexes: plan.map((p) => dep.require('vertex', p.path)), edges, errors };
}

async function selectTargets(dep: DeploymentImpl, et: EdgeTemplate, source: EntityId, errors: KhutulunError[]): Promise<string[]> {
  const sel = et.target;
  let candidates: string[];
  if ('vertex' in sel) {
    candidates = [sel.vertex];
  } else {
    const r = await evaluate({ ...sel.finder, mode: 'eager' }, dep.functions, { deployment: dep.name, entity: source });
    if (r.errors.length > 0) {
      errors.push(...r.errors);
      return [];
    }
    candidates = asPaths(r.value);
    if (sel.directories) {
      const dirs = sel.directories;
      candidates = candidates.filter((c) => {
        const segs = c.split('/').slice(0, -1);
        return dirs.some((d) => d.every((s, i) => segs[i] === s));
      });
    }
  }
  const found = candidates.filter((c) => {
    try {
      return dep.get('vertex', c) !== undefined;
    } catch {
      return false;
    }
  });
  if (found.length === 0) {
    errors.push(storeError('KH-STORE-017', `edge template ${formatEntityId(et.id)} found no target vertex`, {
      hint: 'create the target first or fix the finder',
      details: { candidates },
    }));
  }
  return found;
}

function asPaths(v: Expression): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}
