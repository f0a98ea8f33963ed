/** Error codes of the actor layer (stable: tests, the CLI and users match on them). */
import { KhutulunError } from '../common/index.js';
import type { KhutulunErrorOptions } from '../common/index.js';

export const ActorErrorCode = {
  /** The lifecycle logic did not converge (a bug). */
  converge: 'KH-ACTOR-001',
  /** The runtime reports the workload dead. */
  workloadDead: 'KH-ACTOR-002',
  /** A handler is not `<plugin-id>:<function>`. */
  badHandler: 'KH-ACTOR-003',
  /** An intent names a runtime adapter that is not registered on this host. */
  unknownRuntime: 'KH-ACTOR-004',
  /** The requirement edges of a deployment form a cycle. */
  cycle: 'KH-ACTOR-005',
  /** A deployment wave failed; details name the failed vertexes. */
  waveFailed: 'KH-ACTOR-006',
  /** A vertex this deployment depends on is owned by another host and is not there yet. */
  remotePending: 'KH-ACTOR-007',
  /** The engine was used after close(). */
  closed: 'KH-ACTOR-008',
  /** No such deployment. */
  unknownDeployment: 'KH-ACTOR-009',
  /** A status write failed: the actor cannot promise restart safety. */
  statusWrite: 'KH-ACTOR-010',
  /** A runtime intent is malformed. */
  badIntent: 'KH-ACTOR-011',
  /** A relationship step run by another host (the target's owner) failed or did not come back in time. */
  remoteStep: 'KH-ACTOR-012',
  /** HostEngine options are unusable (e.g. no hostId). */
  badOptions: 'KH-ACTOR-013',
  /** An imperative run (`khutulun run`, a workflow step, an emitted event) cannot run on its vertex. */
  run: 'KH-ACTOR-014',
} as const;

export function actorError(code: string, message: string, options: KhutulunErrorOptions = {}): KhutulunError {
  return new KhutulunError(code, message, options);
}
