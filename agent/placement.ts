/**
 * Cluster placement of a stored deployment: its node vertexes, their `host_labels` and `limits`,
 * and the placement policies on the service vertex become a scheduler state over the membership
 * view; the pure planner decides; the owners are written. Everything it cannot place is refused
 * with the planner's explanations, before anything runs.
 */
import { KhutulunError } from '../common/index.js';
import { decodeExpression, formatEntityId, toJson } from '../store/index.js';
import type { Deployment, Vertex } from '../store/index.js';
import { createScheduler, parseHostId, parseVertexId, placementPolicyFromProfile } from '../scheduler/index.js';
import type { Constraint, HostInfo, PlacementPolicy, SchedulerStateInput, VertexId, VertexRequest } from '../scheduler/index.js';
import { CPUS_LABEL, MEMORY_LABEL, hostFilterConstraint } from './host-filter.js';
import type { HostView } from './membership.js';
import { DeferredRuntime } from './deferred-runtime.js';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.js';

type Json = ReturnType<typeof toJson>;

function value(v: Vertex, name: string): Json | undefined {
  const p = v.properties[name];
  return p?.value === undefined ? undefined : toJson(p.value);
}

function record(j: Json | undefined): Record<string, Json> | undefined {
  return j !== null && typeof j === 'object' && !Array.isArray(j) ? (j as Record<string, Json>) : undefined;
}

/** `limits.cpus` (cores) and `limits.memory` (bytes) as requests; absent = nothing reserved. */
function requests(v: Vertex): VertexRequest['requests'] {
  const limits = record(value(v, 'limits'));
  const cpus = limits?.['cpus'];
  const memory = limits?.['memory'];
  return { cpu: typeof cpus === 'number' ? Math.round(cpus * 1000) : 0, memory: typeof memory === 'number' ? memory : 0 };
}

/**
 * Where a node may run: `host_labels: {zone: a}` (every label must match on the chosen host), the
 * node_filter of its `host` requirement (agent/host-filter.ts), and the runtime it names.
 */
function constraint(v: Vertex): Constraint | undefined {
  const labels = record(value(v, 'host_labels'));
  const of: Constraint[] = Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([label, want]) => ({ op: 'equal' as const, label, value: String(want) }));
  const filter = v.metadata['khutulun:host-filter'];
  if (typeof filter === 'string') of.push(hostFilterConstraint(decodeExpression(filter), formatEntityId(v.id)));
  // A node that names its runtime (Container, Pod: podman by default) runs only where it is.
  const runtime = value(v, 'runtime');
  if (typeof runtime === 'string' && runtime !== '') of.push({ op: 'has_capability', capability: `${RUNTIME_CAPABILITY}${runtime}` });
  return of.length === 0 ? undefined : of.length === 1 ? of[0] : { op: 'and', of };
}

/** `runtime:<name>` for every runtime this host can use now (not one whose daemon did not answer). */
export function runtimeCapabilities(runtimes: readonly RuntimeAdapter[]): string[] {
  return runtimes.filter((r) => !(r instanceof DeferredRuntime) || r.available).map((r) => `${RUNTIME_CAPABILITY}${r.name}`);
}

const RUNTIME_CAPABILITY = 'runtime:';
/** A host record from an agent that publishes no capabilities: assume it runs the built-in runtimes. */
const UNKNOWN_CAPABILITIES = ['process', 'noop', 'podman', 'docker'].map((r) => `${RUNTIME_CAPABILITY}${r}`);

/** The scheduler's view of the membership: connected hosts are ready, the others disconnected. */
export function schedulerHosts(hosts: readonly HostView[]): HostInfo[] {
  return hosts.map((h) => ({
    id: parseHostId(h.id),
    labels: { hostname: h.name, ...h.labels, [CPUS_LABEL]: String(h.capacity.cpus), [MEMORY_LABEL]: String(h.capacity.memoryBytes) },
    capabilities: h.capabilities ?? UNKNOWN_CAPABILITIES,
    capacity: { cpu: Math.max(1, h.capacity.cpus) * 1000, memory: h.capacity.memoryBytes },
    status: h.connected ? ('ready' as const) : ('disconnected' as const),
  }));
}

/** The scheduler input for a deployment's node vertexes (pure over the deployment's current view). */
export function placementInput(d: Deployment, hosts: readonly HostView[]): { input: SchedulerStateInput; ids: Map<VertexId, Vertex> } {
  const nodes = d.query({ kind: 'vertex', directory: ['nodes'] });
  const ids = new Map<VertexId, Vertex>();
  const byTemplate = new Map<string, VertexId[]>();
  const vertexes: VertexRequest[] = nodes.map((v) => {
    const id = parseVertexId(formatEntityId(v.id));
    ids.set(id, v);
    const template = String(v.metadata['tosca:template'] ?? v.id.name);
    byTemplate.set(template, [...(byTemplate.get(template) ?? []), id]);
    const c = constraint(v);
    return { id, template, requests: requests(v), ...(c ? { constraint: c } : {}) };
  });
  const policies: PlacementPolicy[] = [];
  const service = d.get('vertex', d.serviceVertex);
  for (const [name, prop] of Object.entries(service?.properties ?? {})) {
    if (!name.startsWith('policy:') || prop.value === undefined) continue;
    const p = record(toJson(prop.value));
    const type = typeof p?.['type'] === 'string' ? p['type'] : '';
    const classes = Array.isArray(p?.['classes']) ? p['classes'].map(String) : [];
    if (![type, ...classes].some((t) => /(^|[:.])(Placement|Colocation|Affinity|Separation|AntiAffinity|Spread|Redundancy)$/.test(t))) continue;
    const targets = Array.isArray(p?.['targets']) ? p['targets'].map(String) : [];
    const members = targets.flatMap((t) => byTemplate.get(t) ?? []);
    const kind = [type, ...classes].find((t) => /(Colocation|Affinity|Separation|AntiAffinity|Spread|Redundancy)$/.test(t)) ?? type;
    if (/Redundancy$/.test(kind)) {
      // Each vertex has one owner, so the copies are the template's instances: `copies` of them,
      // each on its own host (distinct_hosts, the default) — checked here, never best effort.
      const props = record(p?.['properties']) ?? {};
      const copies = typeof props['copies'] === 'bigint' ? Number(props['copies']) : props['copies'];
      for (const t of targets) {
        const instances = byTemplate.get(t) ?? [];
        if (typeof copies === 'number' && instances.length < copies) {
          throw new KhutulunError('KH-AGENT-PLACEMENT', `policy ${name.slice(7)}: Redundancy asks for ${copies} copies of ${t}, and it has ${instances.length} instance(s)`, {
            hint: `each instance is one copy: set \`count: ${copies}\` on ${t} (or khutulun scale NAME ${t} ${copies})`,
          });
        }
        if (props['distinct_hosts'] !== false && instances.length > 1) policies.push(placementPolicyFromProfile({ name: name.slice(7), type: 'Separation', properties: {}, members: instances }));
      }
      continue;
    }
    policies.push(placementPolicyFromProfile({ name: name.slice(7), type: kind, properties: record(p?.['properties']) ?? {}, members }));
  }
  const existing: Record<string, string[]> = {};
  for (const [id, v] of ids) if (v.owner) existing[id] = [v.owner];
  return { input: { hosts: schedulerHosts(hosts), vertexes, policies, existing }, ids };
}

/** Places every node vertex of `d` on the membership's hosts and writes the owners. Returns them. */
export async function placeDeployment(d: Deployment, hosts: readonly HostView[]): Promise<Map<string, string>> {
  const { input, ids } = placementInput(d, hosts);
  const plan = createScheduler().schedule(input);
  if (plan.unplaced.length > 0) {
    const lines = plan.unplaced.map((u) => `${u.vertex}: ${u.reasons.map((r) => r.message).join('; ')}`);
    // A runtime no host has running is the usual cause on one host: say which, and how to get it.
    const runtimes = [...new Set(lines.join('\n').match(/runtime:[a-z0-9-]+/g) ?? [])].map((r) => r.slice('runtime:'.length));
    const how = runtimes.length > 0
      ? `no host runs ${runtimes.join(', ')} now: ${runtimes.includes('ovn') ? 'start OVS + OVN there (ovsdb-server, ovs-vswitchd, ovn-northd, ovn-controller; docs/runtimes.md) and point KH_OVN_NB_DB / KH_OVS_DB at their sockets' : 'start its engine (podman: `podman system service`, or point KH_PODMAN_SOCKET / KH_DOCKER_SOCKET at its API socket)'} and deploy again`
      : 'add hosts with the labels asked for, or relax host_labels / the placement policies';
    throw new KhutulunError('KH-AGENT-PLACEMENT', `${plan.unplaced.length} node(s) of ${d.name} cannot be placed on the ${hosts.length} host(s) of the cluster`, {
      hint: `${lines.slice(0, 5).join('\n')}\n${how}`,
      details: { unplaced: plan.unplaced.map((u) => ({ vertex: u.vertex, reasons: u.reasons.map((r) => r.message) })) },
    });
  }
  const owners = new Map<string, string>();
  const writes: Promise<void>[] = [];
  for (const [id, v] of ids) {
    const host = plan.placements.get(id)?.[0];
    if (!host) continue;
    owners.set(id, host);
    if (v.owner !== host) writes.push(d.setOwner(v.id, host));
  }
  await Promise.all(writes);
  await d.flush();
  return owners;
}
