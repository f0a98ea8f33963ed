/**
 * The agent's stable error codes and the HTTP status each maps to. Handlers throw KhutulunErrors;
 * the API turns them into `{error: {code, message, hint, retryable}}` with the status below.
 */
import { KhutulunError } from '../common/index.js';

export const AgentErrors = {
  badOption: 'KH-AGENT-001',
  stateDir: 'KH-AGENT-002',
  listen: 'KH-AGENT-003',
  credentials: 'KH-AGENT-004',
  unauthorized: 'KH-AGENT-010',
  badOrigin: 'KH-AGENT-011',
  forbidden: 'KH-AGENT-012',
  noRoute: 'KH-AGENT-020',
  badMethod: 'KH-AGENT-021',
  badBody: 'KH-AGENT-022',
  bodyTooLarge: 'KH-AGENT-023',
  tooManyConnections: 'KH-AGENT-024',
  tooManyFailures: 'KH-AGENT-025',
  deploymentNotFound: 'KH-AGENT-030',
  deploymentExists: 'KH-AGENT-031',
  deploymentUnavailable: 'KH-AGENT-033',
  badName: 'KH-AGENT-034',
  closed: 'KH-AGENT-040',
} as const;

const STATUS: Record<string, number> = {
  [AgentErrors.unauthorized]: 401,
  [AgentErrors.badOrigin]: 403,
  [AgentErrors.forbidden]: 403,
  [AgentErrors.tooManyConnections]: 503,
  [AgentErrors.tooManyFailures]: 429,
  [AgentErrors.noRoute]: 404,
  [AgentErrors.badMethod]: 405,
  [AgentErrors.badBody]: 400,
  [AgentErrors.bodyTooLarge]: 413,
  [AgentErrors.deploymentNotFound]: 404,
  [AgentErrors.deploymentExists]: 409,
  'KH-AGENT-STATE-BUSY': 409,
  'KH-AGENT-NO-NODE': 400,
  'KH-AGENT-BAD-COUNT': 400,
  'KH-AGENT-UNDEPLOY': 409,
  [AgentErrors.deploymentUnavailable]: 503,
  [AgentErrors.badName]: 400,
  [AgentErrors.closed]: 503,
};

/** HTTP status for an error: agent codes by table; other layers' input errors are 400/422. */
export function httpStatusOf(error: KhutulunError): number {
  const known = STATUS[error.code];
  if (known !== undefined) return known;
  const explicit = error.details?.['httpStatus'];
  if (typeof explicit === 'number' && explicit >= 400 && explicit < 600) return explicit;
  if (error.code === 'KH-INTERNAL' || error.code.startsWith('KH-SYS-')) return 500;
  // Errors from the TOSCA processor, store, etc. reaching the API are about the request's content.
  return error.retryable ? 503 : 422;
}

export function notFound(name: string): KhutulunError {
  return new KhutulunError(AgentErrors.deploymentNotFound, `no deployment named "${name}"`, {
    hint: 'list deployments with `khutulun status`, or deploy one with `khutulun deploy FILE --name NAME`',
  });
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Deployment names become ids, paths and workload ids: keep them DNS-label shaped. */
export function validateDeploymentName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new KhutulunError(AgentErrors.badName, `invalid deployment name ${JSON.stringify(name)}`, {
      hint: 'use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit',
    });
  }
  return name;
}
