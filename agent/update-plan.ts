/**
 * The Day-2 plan as a pure function: the desired graph (the new template compiled and instantiated
 * in a scratch store) against the graph the document holds. It says which nodes are created,
 * updated (which properties, old -> new), replaced (their type or operations changed), reconfigured
 * (something they require changes, so their connection data is recomputed) and deleted, and in which
 * order. `update` applies exactly this plan (update-apply.ts); the owners' actors carry it out.
 */
import { dependencyWaves } from '../actors/index.js';

/** One node (vertex) as the plan compares it: every field is a canonical string. */
export interface NodeSnapshot {
  readonly id: string;
  readonly template: string;
  readonly type: string;
  /** Classes and operation handlers: a change here means another workload kind: replace. */
  readonly shape: string;
  /** Desired properties: name -> canonical desired value (the expression when computed). */
  readonly properties: Readonly<Record<string, string>>;
  /** Display values (old or new) of the properties, for the plan's table. */
  readonly display: Readonly<Record<string, string>>;
  /** Set when a previous update retired the node (it is being removed). */
  readonly retired?: boolean;
}

export interface EdgeSnapshot {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** Canonical form of the relationship (type, properties, handlers). */
  readonly shape: string;
}

export interface GraphSnapshot {
  /** input:NAME, output:NAME, policy:NAME, group:NAME, workflow:NAME on the service vertex (canonical). */
  readonly service: Readonly<Record<string, string>>;
  readonly serviceDisplay: Readonly<Record<string, string>>;
  readonly nodes: ReadonlyMap<string, NodeSnapshot>;
  readonly edges: ReadonlyMap<string, EdgeSnapshot>;
}

export type PlanAction = 'create' | 'update' | 'replace' | 'reconfigure' | 'delete';

export interface PropertyChange {
  readonly name: string;
  /** Display values; absent = the property did not exist on that side. */
  readonly from?: string;
  readonly to?: string;
}

export interface PlanChange {
  readonly node: string;
  readonly template: string;
  readonly action: PlanAction;
  readonly properties?: readonly PropertyChange[];
  readonly reason: string;
}

export interface DeploymentPlan {
  readonly name: string;
  /** False when the deployment does not exist yet: everything is created. */
  readonly exists: boolean;
  /** Changes in the order they are carried out: creates/updates in dependency order, deletes reversed. */
  readonly changes: readonly PlanChange[];
  /** Service-level changes (inputs, outputs, policies, groups). */
  readonly service: readonly PropertyChange[];
  /** Relationship edges added and removed. */
  readonly edges: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly unchanged: number;
  /** True when applying it changes nothing. */
  readonly empty: boolean;
}

function diffProps(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>, beforeDisplay: Readonly<Record<string, string>>, afterDisplay: Readonly<Record<string, string>>, keepRemoved: (name: string) => boolean): PropertyChange[] {
  const out: PropertyChange[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[name];
    const b = after[name];
    if (a === b) continue;
    if (b === undefined && !keepRemoved(name)) continue;
    out.push({ name, ...(a !== undefined ? { from: beforeDisplay[name] ?? a } : {}), ...(b !== undefined ? { to: afterDisplay[name] ?? b } : {}) });
  }
  return out;
}

/**
 * The plan from `current` (undefined: the deployment does not exist) to `desired`. Pure and
 * deterministic: the same inputs give the same plan, changes sorted within their dependency wave.
 */
export function planUpdate(name: string, current: GraphSnapshot | undefined, desired: GraphSnapshot): DeploymentPlan {
  const before = current ?? { service: {}, serviceDisplay: {}, nodes: new Map(), edges: new Map() };
  const byNode = new Map<string, PlanChange>();
  for (const [id, want] of desired.nodes) {
    const have = before.nodes.get(id);
    if (!have || have.retired) {
      byNode.set(id, { node: id, template: want.template, action: 'create', reason: have?.retired ? 'was being removed; created again' : 'new in the template' });
      continue;
    }
    if (have.shape !== want.shape || have.type !== want.type) {
      byNode.set(id, {
        node: id,
        template: want.template,
        action: 'replace',
        reason: have.type !== want.type ? `type ${have.type} -> ${want.type}` : 'its operations changed',
      });
      continue;
    }
    // A property the new template no longer sets but the document has may be an attribute the
    // workload wrote: only template properties (present in both graphs' property sets) compare.
    const props = diffProps(have.properties, want.properties, have.display, want.display, () => false);
    if (props.length > 0) byNode.set(id, { node: id, template: want.template, action: 'update', properties: props, reason: `${props.length} propert${props.length === 1 ? 'y' : 'ies'} changed` });
  }
  for (const [id, have] of before.nodes) {
    if (desired.nodes.has(id) || have.retired) continue;
    byNode.set(id, { node: id, template: have.template, action: 'delete', reason: 'no longer in the template (or scaled down)' });
  }
  const added = [...desired.edges.keys()].filter((e) => {
    const old = before.edges.get(e);
    return !old || old.shape !== desired.edges.get(e)!.shape || old.target !== desired.edges.get(e)!.target;
  });
  const removed = [...before.edges.keys()].filter((e) => {
    const now = desired.edges.get(e);
    return !now || now.shape !== before.edges.get(e)!.shape || now.target !== before.edges.get(e)!.target;
  });
  // Dependents of a changed node recompute their connection data (reconfigure: the runtime keeps
  // a workload whose spec came out the same); so do the sources of added or removed edges.
  const touched = new Set<string>();
  for (const c of byNode.values()) if (c.action === 'update' || c.action === 'replace' || c.action === 'create') touched.add(c.node);
  const edgeSources = new Set([...added.map((e) => desired.edges.get(e)!.source), ...removed.map((e) => before.edges.get(e)!.source)]);
  const dependents = new Map<string, string>();
  for (const e of desired.edges.values()) {
    if (touched.has(e.target) && !byNode.has(e.source)) dependents.set(e.source, `requires ${e.target}, which changes`);
  }
  for (const s of edgeSources) if (desired.nodes.has(s) && !byNode.has(s) && !dependents.has(s)) dependents.set(s, 'its relationships changed');
  for (const [id, reason] of dependents) byNode.set(id, { node: id, template: desired.nodes.get(id)!.template, action: 'reconfigure', reason });

  const order = (graph: GraphSnapshot): string[] => {
    const ids = [...graph.nodes.keys()];
    try {
      return dependencyWaves(ids, [...graph.edges.values()]).flat();
    } catch {
      return ids.sort(); // a cycle is the compiler's problem to report; keep the plan total
    }
  };
  const forward = order(desired).filter((id) => byNode.has(id) && byNode.get(id)!.action !== 'delete');
  const backward = order(before)
    .reverse()
    .filter((id) => byNode.get(id)?.action === 'delete');
  const changes = [...backward.map((id) => byNode.get(id)!), ...forward.map((id) => byNode.get(id)!)];
  const service = diffProps(before.service, desired.service, before.serviceDisplay, desired.serviceDisplay, () => true);
  const unchanged = [...desired.nodes.keys()].filter((id) => !byNode.has(id)).length;
  return {
    name,
    exists: current !== undefined,
    changes,
    service,
    edges: { added: added.sort(), removed: removed.sort() },
    unchanged,
    empty: changes.length === 0 && service.length === 0 && added.length === 0 && removed.length === 0,
  };
}
