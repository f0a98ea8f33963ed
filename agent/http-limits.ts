/**
 * Limits checked before any work, against clients that hold connections open (slow-loris) or send
 * too much: a cap on open connections per client address and in total (over it: a coded 503 and
 * the socket closed before any request is parsed), and timeouts for headers, whole requests and
 * idle keep-alive sockets. Long-lived streams (events, sync) clear their own socket timeout.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../common/index.js';
import { AgentErrors } from './errors.js';

export interface HttpLimits {
  /** Largest request body (bytes); over it: 413 KH-AGENT-023. Default 8 MiB. */
  maxBodyBytes: number;
  /** Open connections per client address; over it: 503 KH-AGENT-024. Default 64. */
  maxConnectionsPerClient: number;
  /** Open connections in total; over it: 503 KH-AGENT-024. Default 1024, at most half the open-files limit. */
  maxConnections: number;
  /** Time a client gets to send all request headers (ms). Default 10 000. */
  headersTimeoutMs: number;
  /** Time a client gets to send a whole request (ms). Default 60 000. */
  requestTimeoutMs: number;
  /** Idle time before a keep-alive socket without a request in flight is closed (ms). Default 30 000. */
  idleTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxConnectionsPerClient: 64,
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
};

/** The soft RLIMIT_NOFILE of this process (Linux), or undefined. */
export function openFilesLimit(text?: string): number | undefined {
  let limits = text;
  try {
    limits ??= readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+)/m.exec(limits);
  return m ? Number(m[1]) : undefined;
}

export function resolveHttpLimits(partial: Partial<HttpLimits> | undefined, nofile = openFilesLimit()): HttpLimits {
  // Connections must leave descriptors for storage, logs and workloads: a flood must meet our cap,
  // never EMFILE in the middle of a storage write.
  const total = nofile !== undefined ? Math.max(16, Math.min(DEFAULT_HTTP_LIMITS.maxConnections, Math.floor(nofile / 2))) : DEFAULT_HTTP_LIMITS.maxConnections;
  const l = { ...DEFAULT_HTTP_LIMITS, maxConnections: total, ...(partial ?? {}) };
  for (const [k, v] of Object.entries(l)) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`limits.${k} must be a positive integer, got ${String(v)}`);
  }
  return l;
}

function refusal(message: string, hint: string): string {
  const body = JSON.stringify({ error: { code: AgentErrors.tooManyConnections, message, hint, retryable: true } });
  return `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** How often node must check the timeouts so a stalled client is cut near its limit (250 ms..5 s). */
export function connectionsCheckEveryMs(limits: HttpLimits): number {
  return Math.max(250, Math.min(5000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

/** Installs the limits on a (not yet listening) server. */
export function applyHttpLimits(server: Server, limits: HttpLimits, logger: Logger): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  // No socket inactivity timeout: it would also cut a request the agent is still working on
  // (undeploy waits up to 50 s, `run` for its --timeout, a large compile takes seconds) with no
  // answer at all. Slow senders are cut by the headers and request timeouts above; idle
  // keep-alive sockets by keepAliveTimeout.
  server.timeout = 0;
  const perClient = new Map<string, number>();
  let total = 0;
  let refusedLogged = 0;
  // With TLS, 'connection' carries the raw TCP socket: the cap applies before the handshake too.
  server.on('connection', (socket: Socket) => {
    const who = socket.remoteAddress ?? '?';
    const mine = perClient.get(who) ?? 0;
    if (mine >= limits.maxConnectionsPerClient || total >= limits.maxConnections) {
      const perClientHit = mine >= limits.maxConnectionsPerClient;
      const now = Date.now();
      if (now - refusedLogged > 5000) {
        refusedLogged = now;
        logger.log('warn', 'refused connection over the limit', { from: who, open: mine, total, limit: perClientHit ? limits.maxConnectionsPerClient : limits.maxConnections });
      }
      const message = perClientHit ? `over ${limits.maxConnectionsPerClient} open connections from ${who}` : `over ${limits.maxConnections} open connections in total`;
      // Plain HTTP gets a coded answer; on TLS the bytes are not HTTP to the client, it just sees a close.
      socket.on('error', () => undefined);
      socket.end(refusal(message, 'close idle connections, or raise it (khutulun agent --limit maxConnectionsPerClient=N or maxConnections=N; docs/security.md)'));
      socket.destroySoon();
      return;
    }
    perClient.set(who, mine + 1);
    total++;
    socket.once('close', () => {
      total--;
      const n = (perClient.get(who) ?? 1) - 1;
      if (n <= 0) perClient.delete(who);
      else perClient.set(who, n);
    });
  });
}
