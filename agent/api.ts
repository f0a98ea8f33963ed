/**
 * The HTTP/JSON API. Routes are matched by method + path; every failure becomes
 * `{error: {code, message, hint, retryable}}` with a status from errors.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError } from '../common/index.js';
import type { Logger, MetricsRegistry } from '../common/index.js';
import type { AuthPolicy } from './auth.js';
import { authorize, presentedToken } from './auth.js';
import type { DeploymentEngine, DeploymentStatus } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import type { EventHub } from './event-hub.js';
import { sendError, sendJson } from './http-util.js';
import { day2Routes, deployRequest } from './api-day2.js';
import type { HostView } from './membership.js';
import { observeRoutes } from './observe-routes.js';
import { workloadRoutes } from './workload-routes.js';
import type { WorkloadRouteContext } from './workload-routes.js';

export interface ApiContext {
  auth: AuthPolicy;
  engine: DeploymentEngine;
  events: EventHub;
  hosts: () => HostView[];
  logger: Logger;
  /** Open SSE responses, closed by the agent on shutdown. */
  streams: Set<ServerResponse>;
  /** This agent's metrics (`/metrics` adds the process-wide ones). */
  metrics?: MetricsRegistry;
  /** Node logs and exec (agent/workload-routes.ts); absent: those paths answer 404. */
  workloads?: Pick<WorkloadRouteContext, 'hostId' | 'runtimes' | 'tls'>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

function routes(ctx: ApiContext): Route[] {
  const name = '([^/]+)';
  return [
    { method: 'GET', pattern: /^\/v1\/hosts$/, handler: async (_q, res) => sendJson(res, 200, ctx.hosts()) },
    { method: 'GET', pattern: /^\/v1\/deployments$/, handler: async (_q, res) => sendJson(res, 200, await ctx.engine.list()) },
    {
      method: 'POST',
      pattern: /^\/v1\/deployments$/,
      handler: async (req, res) => {
        // A new name is created (201); an existing one is updated with the plan's changes (200).
        const result = await ctx.engine.deploy(await deployRequest(req));
        sendJson(res, result.action === 'created' ? 201 : 200, named(ctx, result));
      },
    },
    { method: 'GET', pattern: new RegExp(`^/v1/deployments/${name}$`), handler: async (_q, res, p) => sendJson(res, 200, named(ctx, await ctx.engine.status(p[0]!))) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/deployments/${name}/outputs$`),
      handler: async (_q, res, p) => sendJson(res, 200, await ctx.engine.outputs(p[0]!)),
    },
    ...day2Routes(ctx.engine, (s) => named(ctx, s)),
    { method: 'GET', pattern: /^\/v1\/events$/, handler: async (req, res) => streamEvents(ctx, req, res) },
    ...(ctx.workloads ? workloadRoutes({ ...ctx, ...ctx.workloads }) : []),
    ...observeRoutes(ctx),
  ];
}

async function streamEvents(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const replay = new URL(req.url ?? '/', 'http://x').searchParams.get('replay') === '1';
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': khutulun events\n\n');
  let dropped = 0;
  ctx.streams.add(res);
  const unsubscribe = ctx.events.subscribe((event) => {
    // A slow reader loses events rather than growing our memory.
    if (res.writableLength > 1024 * 1024) {
      dropped++;
      return;
    }
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }, replay);
  await new Promise<void>((resolve) => res.once('close', resolve));
  unsubscribe();
  ctx.streams.delete(res);
  if (dropped > 0) ctx.logger.log('warn', 'event stream client was slow; events dropped', { dropped });
}

export function createApiHandler(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => void {
  const table = routes(ctx);
  return (req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { ok: true });
      const decision = authorize(ctx.auth, req.socket.remoteAddress, presentedToken(req));
      if (!decision.ok) {
        ctx.logger.log('warn', 'refused API request', { from: req.socket.remoteAddress, reason: decision.reason, path });
        throw new KhutulunError(AgentErrors.unauthorized, decision.reason === 'bad-token' ? 'the token is not valid for this cluster' : 'this API requires the cluster token', {
          hint: 'pass --token T (or set KHUTULUN_TOKEN) matching the agent\'s --token',
        });
      }
      let pathMatched = false;
      for (const r of table) {
        const m = r.pattern.exec(path);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== req.method) continue;
        return r.handler(req, res, m.slice(1).map((x) => safeDecode(x)));
      }
      throw pathMatched
        ? new KhutulunError(AgentErrors.badMethod, `${req.method} is not allowed on ${path}`, { hint: 'see docs/agent.md for the API' })
        : new KhutulunError(AgentErrors.noRoute, `no such endpoint ${path}`, { hint: 'see docs/agent.md for the API' });
    })().catch((error: unknown) => sendError(res, error));
  };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a malformed escape is just an unknown name
  }
}

/** Node owners are host ids in the documents; callers read host names. */
function named<T extends DeploymentStatus>(ctx: ApiContext, status: T): T {
  const names = new Map(ctx.hosts().map((h) => [h.id, h.name]));
  return { ...status, nodes: status.nodes.map((n) => ({ ...n, host: names.get(n.host) ?? n.host, hostId: n.host })) };
}
