/**
 * What the live page and `khutulun history` read about one deployment:
 *
 *   GET /v1/deployments/:name/graph                      -> DeploymentGraph
 *   GET /v1/deployments/:name/history?node=N&since=MS    -> HistoryRecord[] (oldest first)
 *
 * Host ids are turned into names the cluster knows (like `status`), the id kept beside.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError } from '../common/index.js';
import type { DeploymentEngine } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import { sendJson } from './http-util.js';
import type { HostView } from './membership.js';

interface Route {
  method: string;
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
}

function sinceOf(query: URLSearchParams): number | undefined {
  const v = query.get('since');
  if (v === null || v === '') return undefined;
  if (!/^\d{1,16}$/.test(v)) {
    throw new KhutulunError(AgentErrors.badBody, `query parameter since must be a time in ms since the epoch, got "${v}"`, { hint: 'for example since=1733470000000 (the CLI takes --since 10m)' });
  }
  return Number(v);
}

export function inspectRoutes(ctx: { engine: DeploymentEngine; hosts: () => HostView[] }): Route[] {
  const name = '([^/]+)';
  const hostName = (): ((id: string) => string) => {
    const names = new Map(ctx.hosts().map((h) => [h.id, h.name]));
    return (id) => names.get(id) ?? id;
  };
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/deployments/${name}/graph$`),
      handler: async (_req, res, p) => {
        const g = await ctx.engine.graph(p[0]!);
        const named = hostName();
        sendJson(res, 200, { ...g, nodes: g.nodes.map((n) => ({ ...n, host: named(n.hostId ?? n.host), hostId: n.hostId ?? n.host })) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/deployments/${name}/history$`),
      handler: async (req, res, p) => {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const node = query.get('node') ?? undefined;
        const since = sinceOf(query);
        const records = await ctx.engine.history(p[0]!, { ...(node ? { node } : {}), ...(since !== undefined ? { since } : {}) });
        const named = hostName();
        sendJson(res, 200, records.map((r) => ({ ...r, host: named(r.hostId) })));
      },
    },
  ];
}
