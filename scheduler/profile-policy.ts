/**
 * Maps the placement policy types of the Khutulun TOSCA profile (profiles/khutulun/policies.yaml:
 * Colocation/Affinity, Separation/AntiAffinity, Spread, Redundancy) to scheduler policies. What the
 * planner cannot honour yet is refused with a coded error rather than silently weakened.
 */
import { KhutulunError } from '../common/index.js';
import type { VertexId } from './ids.js';
import type { PlacementPolicy } from './placement-policy.js';

export interface ProfilePolicyInput {
  readonly name: string;
  /** The policy type name, bare or qualified (`Separation`, `khutulun:Separation`, `khutulun.policies.Separation`). */
  readonly type: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  /** The vertexes the policy's targets resolved to. */
  readonly members: readonly VertexId[];
}

function unsupported(p: ProfilePolicyInput, what: string, hint: string): never {
  throw new KhutulunError('KH-SCHED-016', `policy ${p.name} (${p.type}): ${what} is not supported by the scheduler`, {
    hint,
    details: { policy: p.name, type: p.type },
  });
}

function invalid(p: ProfilePolicyInput, what: string): never {
  throw new KhutulunError('KH-SCHED-017', `policy ${p.name} (${p.type}): ${what}`, {
    hint: 'see profiles/khutulun/policies.yaml for the properties of each placement policy type',
    details: { policy: p.name, type: p.type },
  });
}

export function placementPolicyFromProfile(p: ProfilePolicyInput): PlacementPolicy {
  const type = p.type.split(/[:.]/).pop() ?? p.type;
  const props = p.properties ?? {};
  const required = props.required ?? true;
  const scope = props.scope ?? 'hostname';
  if (typeof scope !== 'string' || scope === '') invalid(p, '"scope" must be a host label name');
  switch (type) {
    case 'Colocation':
    case 'Affinity':
      if (required !== true) unsupported(p, 'a soft (required: false) colocation', 'make it required, or drop it');
      if (scope !== 'hostname') unsupported(p, `colocation within scope "${scope}"`, 'use scope: hostname (same host)');
      return { name: p.name, kind: 'colocation', members: p.members };
    case 'Separation':
    case 'AntiAffinity':
      if (required !== true) unsupported(p, 'a soft (required: false) separation', 'make it required, or use Spread');
      return scope === 'hostname'
        ? { name: p.name, kind: 'separation', members: p.members }
        : { name: p.name, kind: 'separation', members: p.members, label: scope };
    case 'Spread': {
      const label = props.label;
      if (typeof label !== 'string' || label === '') invalid(p, '"label" (the host label to spread across) is required');
      // Hard (required, the default): max_skew is enforced; a preference otherwise (fewest members per value first).
      if (required !== true) return { name: p.name, kind: 'spread', members: p.members, label };
      const maxSkew = props.max_skew ?? 1;
      if (typeof maxSkew !== 'number' || !Number.isInteger(maxSkew) || maxSkew < 1) invalid(p, '"max_skew" must be an integer >= 1');
      return { name: p.name, kind: 'spread', members: p.members, label, maxSkew };
    }
    case 'Redundancy': {
      const copies = props.copies;
      if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1) invalid(p, '"copies" must be an integer >= 1');
      if (props.distinct_hosts === false) unsupported(p, 'copies sharing a host (distinct_hosts: false)', 'copies are always placed on distinct hosts');
      return scope === 'hostname'
        ? { name: p.name, kind: 'redundancy', members: p.members, copies }
        : { name: p.name, kind: 'redundancy', members: p.members, copies, label: scope };
    }
    default:
      return invalid(p, `unknown placement policy type "${p.type}"`);
  }
}
