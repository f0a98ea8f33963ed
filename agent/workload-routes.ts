/**
 * `GET /v1/deployments/NAME/nodes/NODE/logs` and `POST …/exec`: a node's workload output and a
 * command in it, answered by the host that owns the node. Any agent of the cluster takes the call:
 * a node owned elsewhere is forwarded once to its owner (same token; with mutual TLS, this agent's
 * certificate), and the owner's answer streams back as it comes.
 *
 * Both answer newline-delimited JSON (`application/x-ndjson`): `{"stream":"stdout","text":"…"}`
 * lines, then for exec `{"exit": N}`; a failure after the answer began is a last
 * `{"error": {code, message, hint, retryable}}` line. Failures before it are ordinary JSON errors.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KhutulunError, asKhutulunError } from '../common/index.js';
import type { Logger } from '../common/index.js';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.js';
import { noWorkload, unsupported } from '../runtimes/workload-io.js';
import type { DeploymentEngine, NodeStatus } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import { readJsonBody } from './http-util.js';
import type { HostView } from './membership.js';
import type { TlsMaterial } from './tls.js';

export const WorkloadRouteErrors = {
  noNode: 'KH-AGENT-070',
  ambiguousNode: 'KH-AGENT-071',
  ownerUnreachable: 'KH-AGENT-072',
  noRuntimes: 'KH-AGENT-073',
  badQuery: 'KH-AGENT-074',
} as const;

/** Marks a forwarded call: the receiver serves it itself or fails (never forwards again). */
const FORWARDED = 'x-khutulun-forwarded';
/** How long logs waits for the first piece (or a refusal) before it answers 200 and streams. */
const FIRST_PIECE_WAIT_MS = 300;
const LIMITS = { maxTail: 100_000, maxCommandArgs: 256, maxCommandBytes: 64 * 1024, maxExecMs: 24 * 3600_000 };

export interface WorkloadRouteContext {
  hostId: string;
  engine: DeploymentEngine;
  hosts: () => HostView[];
  /** This host's runtime adapters (published by the engine; empty until it has opened them). */
  runtimes: () => readonly RuntimeAdapter[];
  tls: TlsMaterial | undefined;
  logger: Logger;
  streams: Set<ServerResponse>;
}

interface Route {
  method: string;
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
}

/** The node a user named: its id, its template, or the last segment of its id (pure). */
export function findNode(nodes: readonly NodeStatus[], wanted: string): NodeStatus {
  const exact = nodes.find((n) => n.id === wanted);
  if (exact) return exact;
  const matches = nodes.filter((n) => n.template === wanted || n.id.split('/').pop() === wanted);
  const names = nodes.map((n) => n.template).join(', ') || '(none)';
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new KhutulunError(WorkloadRouteErrors.noNode, `no node "${wanted}" in this deployment`, { hint: `its nodes: ${names}`, details: { httpStatus: 404 } });
  }
  throw new KhutulunError(WorkloadRouteErrors.ambiguousNode, `"${wanted}" names ${matches.length} nodes`, {
    hint: `give the node id: ${matches.map((n) => n.id).join(', ')}`,
    details: { httpStatus: 409 },
  });
}

/** The local adapter that has the workload (the first that observes it). */
async function adapterOf(ctx: WorkloadRouteContext, workload: string): Promise<RuntimeAdapter> {
  const runtimes = ctx.runtimes();
  if (runtimes.length === 0) {
    throw new KhutulunError(WorkloadRouteErrors.noRuntimes, 'this agent has no runtimes (yet)', { hint: 'retry once the agent finished starting', retryable: true, details: { httpStatus: 503 } });
  }
  for (const r of runtimes) {
    const seen = await r.observe(workload).catch(() => undefined);
    if (seen) return r;
  }
  throw noWorkload(runtimes.map((r) => r.name).join('/'), workload);
}

function intParam(query: URLSearchParams, name: string, max: number): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > max) {
    throw new KhutulunError(WorkloadRouteErrors.badQuery, `query parameter ${name} must be a whole number up to ${max}, got "${v}"`, { hint: `for example ${name}=100`, details: { httpStatus: 400 } });
  }
  return Number(v);
}

function startNdjson(ctx: WorkloadRouteContext, res: ServerResponse): { line: (value: unknown) => void; end: () => void } {
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache' });
  // Now, not with the first line: a quiet followed log still tells its client it is connected.
  res.flushHeaders();
  ctx.streams.add(res);
  return {
    line: (value) => void res.write(`${JSON.stringify(value)}\n`),
    end: () => {
      ctx.streams.delete(res);
      res.end();
    },
  };
}

function errorLine(error: unknown): unknown {
  const e = asKhutulunError(error);
  return { error: { code: e.code, message: e.message, retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}) } };
}

/** Aborted when the client goes away (a closed `logs -f`). */
function clientGone(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  req.once('aborted', () => gone.abort());
  return gone.signal;
}

/** Forwards the call to the owning host and pipes its answer back unchanged. */
async function forward(ctx: WorkloadRouteContext, req: IncomingMessage, res: ServerResponse, owner: string, body: string | undefined): Promise<void> {
  const host = ctx.hosts().find((h) => h.id === owner);
  if (!host || !host.connected) {
    throw new KhutulunError(WorkloadRouteErrors.ownerUnreachable, `the node's host ${host?.name ?? owner} is not connected to this agent`, {
      hint: 'retry when it is back, or ask its agent directly with --agent',
      retryable: true,
      details: { httpStatus: 503 },
    });
  }
  const url = new URL(req.url ?? '/', `${ctx.tls ? 'https' : 'http'}://${host.address}`);
  const headers: Record<string, string> = { [FORWARDED]: '1', accept: 'application/x-ndjson' };
  if (req.headers.authorization) headers['authorization'] = req.headers.authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const send = ctx.tls ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const out = send(
      url,
      { method: req.method ?? 'GET', headers, ...(ctx.tls ? { cert: ctx.tls.cert, key: ctx.tls.key, ca: ctx.tls.ca } : {}) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'cache-control': 'no-cache' });
        res.flushHeaders();
        ctx.streams.add(res);
        answer.pipe(res);
        answer.once('end', resolve);
        answer.once('error', resolve);
        res.once('close', () => {
          ctx.streams.delete(res);
          answer.destroy();
          resolve();
        });
      },
    );
    out.once('error', (error) =>
      reject(
        new KhutulunError(WorkloadRouteErrors.ownerUnreachable, `cannot reach the node's host ${host.name} at ${host.address}: ${error.message}`, {
          hint: 'check that its agent runs and is reachable from this one',
          retryable: true,
          details: { httpStatus: 502 },
          cause: error,
        }),
      ),
    );
    out.end(body);
  });
}

async function ownerOf(ctx: WorkloadRouteContext, name: string, nodeName: string): Promise<{ node: NodeStatus; owner: string; workload: string }> {
  const status = await ctx.engine.status(name);
  const node = findNode(status.nodes, nodeName);
  return { node, owner: node.hostId ?? node.host, workload: `${name}/${node.id}` };
}

function isForwarded(req: IncomingMessage): boolean {
  return req.headers[FORWARDED] === '1';
}

async function logs(ctx: WorkloadRouteContext, req: IncomingMessage, res: ServerResponse, name: string, nodeName: string): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const tail = intParam(query, 'tail', LIMITS.maxTail);
  const since = intParam(query, 'since', Number.MAX_SAFE_INTEGER);
  const follow = query.get('follow') === '1' || query.get('follow') === 'true';
  const { owner, workload } = await ownerOf(ctx, name, nodeName);
  if (owner !== ctx.hostId && !isForwarded(req)) return forward(ctx, req, res, owner, undefined);
  const adapter = await adapterOf(ctx, workload);
  if (!adapter.logs) throw unsupported(adapter.name, 'logs');
  const signal = clientGone(req, res);
  const iterator = adapter.logs(workload, { ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}), follow, signal })[Symbol.asyncIterator]();
  // A refused option fails the first read at once: wait for it briefly, so it is an ordinary error
  // answer; a quiet followed log (no first piece yet) still gets its 200 after that moment.
  const first = iterator.next();
  const early = await Promise.race([
    first.then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    ),
    new Promise<undefined>((done) => setTimeout(() => done(undefined), FIRST_PIECE_WAIT_MS).unref()),
  ]);
  if (early && 'e' in early) throw asKhutulunError(early.e);
  const out = startNdjson(ctx, res);
  try {
    for (let r = early ? early.r : await first; !r.done; r = await iterator.next()) {
      if (signal.aborted) break;
      out.line(r.value);
    }
  } catch (error) {
    if (!signal.aborted) out.line(errorLine(error));
  } finally {
    await iterator.return?.().catch(() => undefined);
    out.end();
  }
}

function commandOf(body: unknown): { command: string[]; tty: boolean; timeoutMs?: number } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const command = b['command'];
  if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== 'string')) {
    throw new KhutulunError(AgentErrors.badBody, 'field "command" must be a non-empty array of strings', { hint: 'send {"command": ["ls", "-la"]}' });
  }
  const words = command as string[];
  if (words.length > LIMITS.maxCommandArgs || words.reduce((n, w) => n + Buffer.byteLength(w), 0) > LIMITS.maxCommandBytes) {
    throw new KhutulunError(AgentErrors.badBody, `the command is too long (at most ${LIMITS.maxCommandArgs} words, ${LIMITS.maxCommandBytes} bytes)`, { hint: 'put a long script into a file of the workload' });
  }
  const timeout = b['timeoutMs'];
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0 || timeout > LIMITS.maxExecMs)) {
    throw new KhutulunError(AgentErrors.badBody, 'field "timeoutMs" must be a positive whole number of milliseconds (at most a day)', {});
  }
  return { command: words, tty: b['tty'] === true, ...(typeof timeout === 'number' ? { timeoutMs: timeout } : {}) };
}

async function exec(ctx: WorkloadRouteContext, req: IncomingMessage, res: ServerResponse, name: string, nodeName: string): Promise<void> {
  const body = await readJsonBody(req, LIMITS.maxCommandBytes * 2);
  const request = commandOf(body);
  const { owner, workload } = await ownerOf(ctx, name, nodeName);
  if (owner !== ctx.hostId && !isForwarded(req)) return forward(ctx, req, res, owner, JSON.stringify(body));
  const adapter = await adapterOf(ctx, workload);
  if (!adapter.exec) throw unsupported(adapter.name, 'exec');
  const signal = clientGone(req, res);
  ctx.logger.log('info', 'exec in a workload', { workload, runtime: adapter.name, command: request.command[0], from: req.socket.remoteAddress });
  const session = await adapter.exec(workload, request.command, { tty: request.tty, signal, ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}) });
  const out = startNdjson(ctx, res);
  try {
    for await (const chunk of session.output) out.line(chunk);
    out.line({ exit: await session.exitCode });
  } catch (error) {
    if (!signal.aborted) out.line(errorLine(error));
  } finally {
    out.end();
  }
}

export function workloadRoutes(ctx: WorkloadRouteContext): Route[] {
  const base = '^/v1/deployments/([^/]+)/nodes/([^/]+)';
  return [
    { method: 'GET', pattern: new RegExp(`${base}/logs$`), handler: (req, res, p) => logs(ctx, req, res, p[0]!, p[1]!) },
    { method: 'POST', pattern: new RegExp(`${base}/exec$`), handler: (req, res, p) => exec(ctx, req, res, p[0]!, p[1]!) },
  ];
}
