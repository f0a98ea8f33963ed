/** Small helpers for the JSON API over node:http: bounded body reading and uniform error bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError, asKhutulunError } from '../common/index.js';
import { AgentErrors, httpStatusOf } from './errors.js';

/** Largest request body accepted (a TOSCA source with its inputs). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

const limits = new WeakMap<IncomingMessage, number>();

/** The agent's configured body limit for this request (limits.maxBodyBytes), read by readJsonBody. */
export function setBodyLimit(req: IncomingMessage, limit: number): void {
  limits.set(req, limit);
}

export async function readJsonBody(req: IncomingMessage, limit = limits.get(req) ?? MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      throw new KhutulunError(AgentErrors.bodyTooLarge, `request body over ${limit} bytes`, {
        hint: 'send a smaller service template (large artifacts belong in a CSAR or at a URL), or raise it (khutulun agent --limit maxBodyBytes=N; docs/security.md)',
      });
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new KhutulunError(AgentErrors.badBody, 'request body is not valid JSON', {
      hint: 'send Content-Type: application/json with a JSON object',
      cause: error,
    });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const e = asKhutulunError(error);
  const status = httpStatusOf(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="khutulun"';
  const text = JSON.stringify({
    error: { code: e.code, message: e.message, retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}) },
  });
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
