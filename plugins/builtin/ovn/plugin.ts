/**
 * khutulun.ovn — the Standard lifecycle of an OVN network (khutulun.org:core:Network) as
 * RuntimeIntents for the `ovn` runtime (runtimes/ovn). Built into a Wasm component by
 * scripts/build-plugins.mjs.
 */
import type { JsonValue } from '../../effects.js';
import type { NetworkAclRule, NetworkSpec } from '../../../runtimes/ovn/spec.js';
import type { VertexSnapshot } from '../../host/call.js';
import { definePlugin, fail } from '../../sdk/define-plugin.js';
import { readString } from '../../sdk/read-properties.js';
import { lifecycleHandlers } from '../common/index.js';

const ACTIONS = ['allow', 'reject', 'drop'];
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'ip'];

function readAcls(vertex: VertexSnapshot): NetworkAclRule[] | undefined {
  const v = vertex.properties.acls;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: acls must be a list of NetworkAcl`);
  return v.map((r: JsonValue, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: acls[${i}] must be a map`);
    const protocol = r.protocol ?? 'tcp';
    if (typeof r.action !== 'string' || !ACTIONS.includes(r.action)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: acls[${i}].action must be allow, reject or drop`);
    if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol)) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: acls[${i}].protocol must be tcp, udp, icmp or ip`);
    const rule: NetworkAclRule = { action: r.action as NetworkAclRule['action'], protocol: protocol as NetworkAclRule['protocol'] };
    if (typeof r.port === 'number') rule.port = r.port;
    return rule;
  });
}

export function networkSpec(vertex: VertexSnapshot): NetworkSpec {
  const cidr = readString(vertex, 'cidr');
  if (cidr === undefined) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: a Network needs cidr`, { hint: 'e.g. cidr: 10.77.0.0/24' });
  const acls = readAcls(vertex);
  return { kind: 'network', cidr, ...(acls ? { acls } : {}) };
}

export const { describe, invoke } = definePlugin(
  'khutulun.ovn',
  lifecycleHandlers({ runtime: () => 'ovn', spec: networkSpec }),
  { version: '0.1.0' },
);
