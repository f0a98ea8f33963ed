/**
 * Event dispatch: visits the entity, then follows the propagation flags breadth-first with a
 * visited set (a cycle runs once). On each entity, `floria:update` first runs the built-in
 * update+prepare, then ALL handlers registered for the event run in list order.
 */
import type { KhutulunError } from '../common/index.js';
import { entityKey, formatEntityId, parseEntityId } from './ids.js';
import type { EntityId } from './ids.js';
import type { Expression } from './expression/index.js';
import { evaluate } from './expression/index.js';
import type { DispatchResult, PropagationFlags } from './api.js';
import type { EventHandlers, Vertex, Edge } from './entities.js';
import type { DeploymentImpl } from './deployment.js';

export const BUILTIN_EVENTS = {
  update: 'floria:update',
  added: 'floria:added',
  instantiationBefore: 'floria:instantiation:before',
} as const;

/** Upper bound on visited entities per dispatch (documents are bounded, but loops must be too). */
const MAX_VISITS = 100_000;

export async function dispatchEvent(dep: DeploymentImpl, event: string, start: EntityId, flags: PropagationFlags): Promise<DispatchResult> {
  const visited: EntityId[] = [];
  const results: { entity: EntityId; fn: string; value: Expression }[] = [];
  const errors: KhutulunError[] = [];
  const seen = new Set<string>();
  const queue: EntityId[] = [start];
  while (queue.length > 0 && visited.length < MAX_VISITS) {
    const id = queue.shift()!;
    const key = entityKey(id);
    if (seen.has(key)) continue;
    seen.add(key);
    const entity = dep.get(id.kind, id) as (Vertex | Edge | { handlers?: EventHandlers }) | undefined;
    if (!entity) continue;
    visited.push(id);
    if (event === BUILTIN_EVENTS.update && (id.kind === 'vertex' || id.kind === 'edge')) {
      errors.push(...(await dep.updateProperties(id)));
    }
    for (const h of ('handlers' in entity ? entity.handlers?.[event] : undefined) ?? []) {
      const r = await evaluate({ $: 'call', fn: h.fn, args: h.args ?? [], mode: 'eager' }, dep.functions, { deployment: dep.name, entity: id });
      errors.push(...r.errors);
      results.push({ entity: id, fn: h.fn, value: r.value });
    }
    queue.push(...neighbours(id, entity, flags));
  }
  return { visited, results, errors };
}

function neighbours(id: EntityId, entity: unknown, flags: PropagationFlags): EntityId[] {
  const out: EntityId[] = [];
  if (id.kind === 'vertex') {
    const v = entity as Vertex;
    if (flags.containing && v.containing !== undefined) out.push(parseEntityId('vertex', v.containing));
    if (flags.contained) out.push(...v.contained.map((p) => parseEntityId('vertex', p)));
    if (flags.incoming) out.push(...v.incoming.map((p) => parseEntityId('edge', p)));
    if (flags.outgoing) out.push(...v.outgoing.map((p) => parseEntityId('edge', p)));
  } else if (id.kind === 'edge') {
    const e = entity as Edge;
    if (flags.edgeSource) out.push(parseEntityId('vertex', e.source));
    if (flags.edgeTarget) out.push(parseEntityId('vertex', e.target));
  }
  return out;
}

export function describe(id: EntityId): string {
  return `${id.kind} ${formatEntityId(id)}`;
}
