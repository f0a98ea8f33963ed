/**
 * The HTTP/JSON API. Routes are matched by method + path; every failure becomes
 * `{error: {code, message, hint, retryable}}` with a status from errors.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError } from '../common/index.js';
import type { Logger, MetricsRegistry } from '../common/index.js';
import type { AuthPolicy, Permission } from './auth.js';
import { authorize, presentedToken } from './auth.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { DeploymentEngine, DeploymentStatus } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import type { EventHub } from './event-hub.js';
import { sendError, sendJson, setBodyLimit } from './http-util.js';
import { day2Routes, deployRequest } from './api-day2.js';
import type { HostView } from './membership.js';
import { checkRequestGuard } from './request-guard.js';
import type { GuardPolicy } from './request-guard.js';
import { observeRoutes } from './observe-routes.js';
import { inspectRoutes } from './inspect-routes.js';
import { pluginRoutes } from './plugin-routes.js';
import { workloadRoutes } from './workload-routes.js';
import { handleUi, sessionDecision } from './ui-routes.js';
import type { UiContext } from './ui-routes.js';
import type { WorkloadRouteContext } from './workload-routes.js';

export interface ApiContext {
  auth: AuthPolicy;
  /** Failed authentications per client address (start-agent makes one; absent: no throttle). */
  throttle?: AuthThrottle;
  /** Host/Origin checks against DNS rebinding and cross-site requests. */
  guard: GuardPolicy;
  /** Largest request body (bytes). */
  maxBodyBytes: number;
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
  /** The live page (agent/ui-routes.ts): its paths, and cookie sessions for the API; absent: tokens only. */
  ui?: UiContext;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  /** What the caller's role must grant (docs/security.md has the table). */
  needs: Permission;
  handler: Handler;
}

/** Every route and the permission it needs: the single source for the role table and its test. */
export const ROUTE_PERMISSIONS: ReadonlyArray<{ method: string; path: string; needs: Permission }> = [
  { method: 'GET', path: '/v1/hosts', needs: 'read' },
  { method: 'GET', path: '/v1/deployments', needs: 'read' },
  { method: 'POST', path: '/v1/deployments', needs: 'deploy' },
  { method: 'GET', path: '/v1/deployments/:name', needs: 'read' },
  { method: 'GET', path: '/v1/deployments/:name/outputs', needs: 'read' },
  { method: 'POST', path: '/v1/deployments/:name/plan', needs: 'deploy' },
  { method: 'PUT', path: '/v1/deployments/:name', needs: 'deploy' },
  { method: 'POST', path: '/v1/deployments/:name/scale', needs: 'deploy' },
  { method: 'DELETE', path: '/v1/deployments/:name', needs: 'deploy' },
  // An operation runs plugin code with the node's runtime (scripts included): as strong as deploy.
  { method: 'POST', path: '/v1/deployments/:name/run', needs: 'deploy' },
  { method: 'GET', path: '/v1/deployments/:name/graph', needs: 'read' },
  { method: 'GET', path: '/v1/deployments/:name/history', needs: 'read' },
  { method: 'GET', path: '/v1/events', needs: 'read' },
  { method: 'GET', path: '/v1/events/recent', needs: 'read' },
  { method: 'GET', path: '/metrics', needs: 'read' },
  { method: 'GET', path: '/v1/deployments/:name/nodes/:name/logs', needs: 'read' },
  // Running a command in a workload is as strong as deploying one: operator and admin only.
  { method: 'POST', path: '/v1/deployments/:name/nodes/:name/exec', needs: 'deploy' },
  { method: 'GET', path: '/v1/plugins', needs: 'read' },
  // What a plugin may touch (files, network, clocks…) is cluster policy: admin only.
  { method: 'PUT', path: '/v1/plugins/:name/grants', needs: 'admin' },
];

/** `^\/v1\/deployments\/([^/]+)\/plan$` -> `/v1/deployments/:name/plan`. */
function pathOfPattern(pattern: RegExp): string {
  return pattern.source.replace(/^\^|\$$/g, '').replace(/\(\[\^\\?\/\]\+\)/g, ':name').replace(/\\\//g, '/');
}

function needsOf(method: string, path: string): Permission {
  const p = ROUTE_PERMISSIONS.find((r) => r.method === method && r.path === path);
  if (!p) throw new Error(`route ${method} ${path} has no permission entry`);
  return p.needs;
}

function routes(ctx: ApiContext): Route[] {
  const name = '([^/]+)';
  return [
    { method: 'GET', pattern: /^\/v1\/hosts$/, needs: needsOf('GET', '/v1/hosts'), handler: async (_q, res) => sendJson(res, 200, ctx.hosts()) },
    { method: 'GET', pattern: /^\/v1\/deployments$/, needs: needsOf('GET', '/v1/deployments'), handler: async (_q, res) => sendJson(res, 200, await ctx.engine.list()) },
    {
      method: 'POST',
      pattern: /^\/v1\/deployments$/,
      needs: needsOf('POST', '/v1/deployments'),
      handler: async (req, res) => {
        // A new name is created (201); an existing one is updated with the plan's changes (200).
        const result = await ctx.engine.deploy(await deployRequest(req));
        sendJson(res, result.action === 'created' ? 201 : 200, named(ctx, result));
      },
    },
    { method: 'GET', pattern: new RegExp(`^/v1/deployments/${name}$`), needs: needsOf('GET', '/v1/deployments/:name'), handler: async (_q, res, p) => sendJson(res, 200, named(ctx, await ctx.engine.status(p[0]!))) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/deployments/${name}/outputs$`),
      needs: needsOf('GET', '/v1/deployments/:name/outputs'),
      handler: async (_q, res, p) => sendJson(res, 200, await ctx.engine.outputs(p[0]!)),
    },
    // The Day-2 routes (api-day2.ts) get their permission from the table by method + path.
    ...day2Routes(ctx.engine, (s) => named(ctx, s)).map((r) => ({ ...r, needs: needsOf(r.method, pathOfPattern(r.pattern)) })),
    { method: 'GET', pattern: /^\/v1\/events$/, needs: needsOf('GET', '/v1/events'), handler: async (req, res) => streamEvents(ctx, req, res) },
    ...[...(ctx.workloads ? workloadRoutes({ ...ctx, ...ctx.workloads }) : []), ...observeRoutes(ctx), ...inspectRoutes(ctx), ...pluginRoutes(ctx.engine)].map((r) => ({ ...r, needs: needsOf(r.method, pathOfPattern(r.pattern)) })),
  ];
}

async function streamEvents(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const replay = new URL(req.url ?? '/', 'http://x').searchParams.get('replay') === '1';
  // A stream is idle by nature: the idle-socket limit does not apply to it.
  req.socket.setTimeout(0);
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
      const refused = checkRequestGuard(ctx.guard, req.headers, ctx.ui ? (ctx.ui.secure ? 'https' : 'http') : undefined);
      if (refused !== undefined) {
        ctx.logger.log('warn', 'refused API request', { from: req.socket.remoteAddress, reason: refused, path });
        throw new KhutulunError(AgentErrors.badOrigin, `refused: ${refused}`, {
          hint: 'call the agent by its address (or a name given with --allow-host), not from a web page',
        });
      }
      if (ctx.ui && (await handleUi(ctx.ui, req, res, path))) return;
      let matched: { route: Route; params: string[] } | undefined;
      let pathMatched = false;
      for (const r of table) {
        const m = r.pattern.exec(path);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== req.method) continue;
        matched = { route: r, params: m.slice(1).map((x) => safeDecode(x)) };
        break;
      }
      // Unknown paths need a valid credential too (no probing without one); the permission is the route's.
      // The page's calls carry a session cookie instead of a token (ui-routes.ts).
      const needs = matched?.route.needs ?? 'read';
      const decision = (ctx.ui ? sessionDecision(ctx.ui, req, needs) : undefined) ?? authorize(ctx.auth, presentedToken(req), needs);
      if (!decision.ok && decision.reason !== 'forbidden' && ctx.throttle) {
        // Only failures are throttled: a valid client at the same address is never locked out.
        const from = req.socket.remoteAddress ?? '?';
        const wait = ctx.throttle.blocked(from);
        if (wait !== undefined) {
          res.setHeader('retry-after', String(wait));
          throw new KhutulunError(AgentErrors.tooManyFailures, `too many failed authentications from ${from}; try again in ${wait} s`, {
            hint: 'check the token the client sends (--token-file FILE or KHUTULUN_TOKEN)',
            retryable: true,
          });
        }
        ctx.throttle.failed(from);
      }
      if (!decision.ok) {
        ctx.logger.log('warn', 'refused API request', { from: req.socket.remoteAddress, reason: decision.reason, path, credential: decision.credential?.name });
        if (decision.reason === 'forbidden') {
          throw new KhutulunError(AgentErrors.forbidden, `credential "${decision.credential?.name}" (role ${decision.credential?.role}) may not ${req.method} ${path}`, {
            hint: 'use a credential whose role allows it (viewer: read; operator: deploy/undeploy; admin: all), see docs/security.md',
          });
        }
        throw new KhutulunError(AgentErrors.unauthorized, decision.reason === 'bad-token' ? 'the token is not valid for this cluster' : 'this API requires a token', {
          hint: 'pass --token-file FILE (or set KHUTULUN_TOKEN) with a token the agent knows; on the agent\'s host, --state DIR finds agent.json',
        });
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > ctx.maxBodyBytes) {
        res.setHeader('connection', 'close');
        throw new KhutulunError(AgentErrors.bodyTooLarge, `request body of ${declared} bytes is over the limit of ${ctx.maxBodyBytes}`, {
          hint: 'send a smaller service template, or raise it (khutulun agent --limit maxBodyBytes=N; docs/security.md)',
        });
      }
      setBodyLimit(req, ctx.maxBodyBytes);
      if (matched) return matched.route.handler(req, res, matched.params);
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
