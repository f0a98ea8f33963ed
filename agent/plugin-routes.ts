/**
 * `GET /v1/plugins` (the registry, this host's shipped plugins, the grant policy) and
 * `PUT /v1/plugins/:name/grants` (`{"grants": [...]}`: what plugin NAME may have; admin only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError } from '../common/index.js';
import type { DeploymentEngine } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import { readJsonBody, sendJson } from './http-util.js';

interface Route {
  method: string;
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
}

const unsupported = (): KhutulunError =>
  new KhutulunError(AgentErrors.noRoute, 'this agent runs no plugin registry', { hint: 'plugins travel with services on agents that run the cluster engine (khutulun agent / up)' });

export function pluginRoutes(engine: DeploymentEngine): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/plugins$/,
      handler: async (_req, res) => {
        if (!engine.plugins) throw unsupported();
        sendJson(res, 200, await engine.plugins());
      },
    },
    {
      method: 'PUT',
      pattern: /^\/v1\/plugins\/([^/]+)\/grants$/,
      handler: async (req, res, p) => {
        if (!engine.allowPlugin) throw unsupported();
        const body = (await readJsonBody(req)) as { grants?: unknown } | null;
        sendJson(res, 200, { policy: await engine.allowPlugin(p[0]!, (body?.grants ?? null) as string[]) });
      },
    },
  ];
}
