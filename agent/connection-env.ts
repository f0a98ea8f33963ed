/**
 * ConnectsTo wiring on the owning host, right before a workload starts: each outgoing ConnectsTo
 * edge of its vertex becomes env `<REQUIREMENT>_ADDRESS`, `_PORT`, `_URL` from the target's bound
 * endpoint (`capability:endpoint:*`, written by the target's host once it runs — the dependency
 * waves start the target first). Why here and not only in the plugin: the plugin's snapshot is
 * taken when the deployment run begins, before the target's port is bound, and names the edge by
 * its instance id; the store has the live endpoint and the requirement name.
 * A container on a bridge network cannot reach the host's loopback: it gets the host's name on
 * the bridge instead. Explicit `env` in the template still wins.
 */
import type { Store } from '../store/index.js';
import { toJson } from '../store/index.js';
import type { WorkloadId, WorkloadSpec } from '../runtimes/workload.js';

const envName = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/** The name Podman gives the host inside bridged containers (podman >= 4 adds it to /etc/hosts). */
export const CONTAINER_HOST_ALIAS = 'host.containers.internal';

const isLoopback = (address: string): boolean => address === 'localhost' || address.startsWith('127.') || address === '::1';

export function connectionEnvFromStore(store: Store): (workload: WorkloadId, spec: WorkloadSpec) => Promise<WorkloadSpec> {
  return async (workload, spec) => {
    const slash = workload.indexOf('/');
    if (slash <= 0 || (spec.kind !== 'process' && spec.kind !== 'container')) return spec;
    const name = workload.slice(0, slash);
    if (!store.listDeployments().some((d) => d.name === name)) return spec;
    const deployment = await store.openDeployment(name);
    const vertex = deployment.get('vertex', workload.slice(slash + 1));
    if (!vertex) return spec;
    const read = (props: (typeof vertex)['properties'], key: string): unknown => {
      const v = props[key]?.value;
      return v === undefined ? undefined : toJson(v);
    };
    const explicit = read(vertex.properties, 'env');
    const keep = new Set(explicit && typeof explicit === 'object' ? Object.keys(explicit) : []);
    const bridged = spec.kind === 'container' && !spec.pod && spec.network !== 'host';
    const env: Record<string, string> = {};
    for (const edgeId of vertex.outgoing) {
      const edge = deployment.get('edge', edgeId);
      if (!edge || !edge.classIds.some((c) => /ConnectsTo$/i.test(c))) continue;
      const requirement = edge.metadata['tosca:requirement'];
      const target = deployment.get('vertex', edge.target);
      if (typeof requirement !== 'string' || !target) continue;
      const prefix = envName(requirement);
      let address = read(target.properties, 'capability:endpoint:address');
      const port = read(target.properties, 'capability:endpoint:port');
      let url = read(target.properties, 'capability:endpoint:url');
      if (typeof address === 'string' && bridged && isLoopback(address)) {
        if (typeof url === 'string') url = url.replace(`//${address}`, `//${CONTAINER_HOST_ALIAS}`);
        address = CONTAINER_HOST_ALIAS;
      }
      if (typeof address === 'string') env[`${prefix}_ADDRESS`] = address;
      if (typeof port === 'number' || typeof port === 'bigint') env[`${prefix}_PORT`] = String(port);
      if (typeof url === 'string') env[`${prefix}_URL`] = url;
    }
    for (const k of keep) delete env[k];
    if (Object.keys(env).length === 0) return spec;
    return { ...spec, env: { ...(spec.env ?? {}), ...env } } as WorkloadSpec;
  };
}
