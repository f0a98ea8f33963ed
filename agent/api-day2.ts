/**
 * The Day-2 routes of the HTTP API: plan, update, scale and forced undeploy. Each is a change of
 * desired state in the deployment's document (or, for plan, only its preview).
 *
 *   POST   /v1/deployments/:name/plan     {source, inputs?}           -> DeploymentPlan
 *   PUT    /v1/deployments/:name          {source, inputs?} ?dryRun=1 -> DeployResult (plan included)
 *   POST   /v1/deployments/:name/scale    {node, count} ?dryRun=1      -> DeployResult
 *   DELETE /v1/deployments/:name?force=1                              -> UndeployResult (leftBehind)
 *   POST   /v1/deployments/:name/run      {node?, operation | workflow, inputs?, timeoutMs?} -> RunReport
 *          (200 when every step succeeded, 422 with the same body and an error when one failed)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError } from '../common/index.js';
import type { DeployRequest, DeploymentEngine, DeploymentStatus, RunSpec } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import { readJsonBody, sendJson } from './http-util.js';

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;

export interface Day2Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

function flag(req: IncomingMessage, name: string): boolean {
  const v = new URL(req.url ?? '/', 'http://x').searchParams.get(name);
  return v === '1' || v === 'true';
}

async function objectBody(req: IncomingMessage, shape: string): Promise<Record<string, unknown>> {
  const body = await readJsonBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KhutulunError(AgentErrors.badBody, `expected a JSON object ${shape}`, { hint: 'see docs/agent.md for the request shape' });
  }
  return body as Record<string, unknown>;
}

/** `{name?, source, inputs?, sourceName?}` checked into a DeployRequest (name from the path if given). */
export async function deployRequest(req: IncomingMessage, pathName?: string): Promise<DeployRequest> {
  const b = await objectBody(req, '{name, source, inputs}');
  const archive = b['archive'];
  if (archive !== undefined && (typeof archive !== 'string' || archive === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(archive))) {
    throw new KhutulunError(AgentErrors.badBody, 'field "archive" must be a CSAR (zip, tar or tar.gz) in base64', { hint: 'send {"name": "...", "archive": "<base64>", "inputs": {...}}' });
  }
  if (archive === undefined && (typeof b['source'] !== 'string' || b['source'].trim() === '')) {
    throw new KhutulunError(AgentErrors.badBody, 'field "source" (the TOSCA service template text) is missing or empty', {
      hint: 'send {"name": "...", "source": "<YAML>", "inputs": {...}} (or "archive": "<base64 CSAR>")',
    });
  }
  const inputs = b['inputs'] ?? {};
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new KhutulunError(AgentErrors.badBody, 'field "inputs" must be an object', { hint: 'send inputs as {"NAME": value}' });
  }
  return {
    name: pathName ?? String(b['name'] ?? ''),
    source: typeof b['source'] === 'string' ? b['source'] : '',
    ...(typeof archive === 'string' ? { archive } : {}),
    inputs: inputs as Record<string, unknown>,
    ...(typeof b['sourceName'] === 'string' ? { sourceName: b['sourceName'] } : {}),
  };
}

export function day2Routes(engine: DeploymentEngine, named: <T extends DeploymentStatus>(s: T) => T): Day2Route[] {
  const name = '([^/]+)';
  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/deployments/${name}/plan$`),
      handler: async (req, res, p) => sendJson(res, 200, await engine.plan(await deployRequest(req, p[0]!))),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v1/deployments/${name}$`),
      handler: async (req, res, p) => sendJson(res, 200, named(await engine.update(await deployRequest(req, p[0]!), { dryRun: flag(req, 'dryRun') }))),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/deployments/${name}/scale$`),
      handler: async (req, res, p) => {
        const b = await objectBody(req, '{node, count}');
        const node = b['node'];
        const count = b['count'];
        if (typeof node !== 'string' || node === '' || typeof count !== 'number') {
          throw new KhutulunError(AgentErrors.badBody, 'scale needs {"node": "<node template>", "count": <integer>}', { hint: 'for example {"node": "web", "count": 3}' });
        }
        sendJson(res, 200, named(await engine.scale(p[0]!, node, count, { dryRun: flag(req, 'dryRun') })));
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/deployments/${name}/run$`),
      handler: async (req, res, p) => {
        const report = await engine.run(p[0]!, runSpec(await objectBody(req, '{node?, operation | workflow, inputs?}')));
        sendJson(res, report.ok ? 200 : 422, report.ok ? report : { ...report, error: runError(report) });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v1/deployments/${name}$`),
      handler: async (req, res, p) => sendJson(res, 200, named(await engine.undeploy(p[0]!, { force: flag(req, 'force') }))),
    },
  ];
}

function runSpec(b: Record<string, unknown>): RunSpec {
  const str = (k: string): string | undefined => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
  const operation = str('operation');
  const workflow = str('workflow');
  const inputs = b['inputs'] ?? {};
  if ((operation === undefined) === (workflow === undefined) || typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new KhutulunError(AgentErrors.badBody, 'run needs {"operation": "Interface.op"} or {"workflow": "NAME"} (not both), with optional "node" and "inputs" {NAME: value}', {
      hint: 'for example {"node": "db", "operation": "Maintenance.backup", "inputs": {"target": "/tmp/x"}}',
    });
  }
  const timeoutMs = typeof b['timeoutMs'] === 'number' && b['timeoutMs'] > 0 ? Math.min(b['timeoutMs'], 3_600_000) : undefined;
  const node = str('node');
  return { ...(node ? { node } : {}), ...(operation ? { operation } : {}), ...(workflow ? { workflow } : {}), inputs: inputs as Record<string, unknown>, ...(timeoutMs ? { timeoutMs } : {}) };
}

/** The error a failed run answers with: the first failed step's, named. */
function runError(report: { results: readonly { node: string; operation: string; ok: boolean; error?: { code: string; message: string; hint?: string; retryable?: boolean } }[] }): Record<string, unknown> {
  const failed = report.results.find((r) => !r.ok);
  return {
    code: 'KH-RUN-FAILED',
    message: failed ? `${failed.operation} on ${failed.node} failed: ${failed.error?.code ?? ''} ${failed.error?.message ?? ''}`.trim() : 'the workflow failed',
    hint: failed?.error?.hint ?? 'see the results of each step',
    retryable: failed?.error?.retryable ?? false,
  };
}
