/**
 * Read-only views for operators: `GET /metrics` (Prometheus text format: the agent's series, then
 * the process-wide ones such as plugin calls; authenticated like the
 * rest of the API: scrape with `authorization: Bearer TOKEN`) and `GET /v1/events/recent` (the
 * event hub's buffer as one JSON array, what `khutulun events` prints without -f).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultMetrics, PROMETHEUS_CONTENT_TYPE } from '../common/index.js';
import type { MetricsRegistry } from '../common/index.js';
import type { EventHub } from './event-hub.js';
import { sendJson } from './http-util.js';

interface Route {
  method: string;
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
}

export function observeRoutes(ctx: { events: EventHub; metrics?: MetricsRegistry }): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      handler: async (_req, res) => {
        const text = (ctx.metrics ? ctx.metrics.expose() : '') + defaultMetrics.expose();
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
    },
    { method: 'GET', pattern: /^\/v1\/events\/recent$/, handler: async (_req, res) => sendJson(res, 200, ctx.events.recent()) },
  ];
}
