/** scheduler/: placement of vertexes on hosts (pure) and the ownership/disconnect protocol. */
export { parseHostId, parseVertexId } from './ids.js';
export type { HostId, VertexId } from './ids.js';
export type { HostInfo, HostStatus } from './host.js';
export type { Resources } from './resources.js';
export { NO_RESOURCES, validateResources, missingResources, addResources } from './resources.js';
export { validateConstraint, compileConstraint, describeConstraint } from './constraint.js';
export type { Constraint, Comparison, HostPredicate } from './constraint.js';
export { POLICY_KINDS } from './placement-policy.js';
export type { PlacementPolicy, PlacementPolicyKind } from './placement-policy.js';
export type { VertexRequest } from './vertex-request.js';
export { buildState } from './state.js';
export type { SchedulerState, SchedulerStateInput } from './state.js';
export { plan } from './planner.js';
export type { PlacementStrategy, PlannerOptions } from './planner.js';
export { planToJSON } from './plan.js';
export type { Plan, Unplaced, UnplacedReason, UnplacedReasonCode, PlacementChange, ChangeCause } from './plan.js';
export { createScheduler } from './scheduler.js';
export { placementPolicyFromProfile } from './profile-policy.js';
export type { ProfilePolicyInput } from './profile-policy.js';
export type { Scheduler, SchedulerOptions } from './scheduler.js';
export {
  claimKey,
  resolveOwner,
  maxEpoch,
  validateClaim,
  writeClaim,
  replaceOwner,
  renewClaim,
  compactClaims,
  DEFAULT_DISCONNECT_POLICY,
  disconnectPolicy,
  excludesDoubleRun,
  peerStatus,
  reachable,
  seesQuorum,
  isLeader,
  lostPeers,
  decide,
  mayRunOwned,
  isFenced,
  missingWitnesses,
} from './ownership/index.js';
export type {
  OwnerClaim,
  ClaimReason,
  ReconcileMode,
  ClaimMap,
  DisconnectPolicy,
  LivenessView,
  VertexOwnershipView,
  PeerReport,
  LocalState,
  HostDecision,
  WaitReason,
} from './ownership/index.js';
