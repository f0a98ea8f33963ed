/** Coded errors of the OVN network runtime (stable API: callers branch on codes). */
import type { KhutulunError } from '../../common/index.js';
import { codedError } from '../coded-error.js';
import type { CodedErrorExtra } from '../coded-error.js';

export const OvnErrorCode = {
  /** The network or attachment spec is malformed. */
  badSpec: 'KH-OVN-BAD-SPEC',
  /** ovn-nbctl / ovs-vsctl / ip / ethtool is not installed on this host. */
  unavailable: 'KH-OVN-UNAVAILABLE',
  /** The OVN northbound database or the local Open vSwitch does not answer. */
  unreachable: 'KH-OVN-UNREACHABLE',
  /** A logical switch of that name exists and is not this network's. */
  nameClash: 'KH-OVN-NAME-CLASH',
  /** Attach to a network that is not deployed. */
  noNetwork: 'KH-OVN-NO-NETWORK',
  /** The workload's network namespace is gone (it died) or is the host's own. */
  badNamespace: 'KH-OVN-NETNS',
  /** Every address of the subnet is taken. */
  full: 'KH-OVN-SUBNET-FULL',
  /** The subnet of a network with attached workloads cannot change. */
  inUse: 'KH-OVN-IN-USE',
  /** A command against OVN/OVS/the kernel failed. */
  command: 'KH-OVN-COMMAND',
  /** The logical port did not come up on this chassis in time. */
  portDown: 'KH-OVN-PORT-DOWN',
} as const;

export type OvnErrorCodeValue = (typeof OvnErrorCode)[keyof typeof OvnErrorCode];

export function ovnError(code: OvnErrorCodeValue, message: string, hint: string, extra: CodedErrorExtra = {}): KhutulunError {
  return codedError(code, message, hint, extra);
}

export function badSpec(message: string, field?: string): KhutulunError {
  return ovnError(OvnErrorCode.badSpec, message, 'fix the network spec (runtimes/ovn/spec.ts NetworkSpec) and deploy again', {
    ...(field ? { details: { field } } : {}),
  });
}
