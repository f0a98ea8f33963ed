/**
 * Streaming calls to an agent (logs, exec, events): node:http(s) requests whose answer is read as
 * it arrives, as newline-delimited JSON or as server-sent events. Errors before the stream starts
 * are the agent's coded JSON errors; an unreachable agent is KH-CLIENT-001, as for other calls.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KhutulunError, isErrorData } from '../common/index.js';
import type { AgentTarget } from './client.js';
import { ClientErrors } from './client.js';

export interface StreamRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  accept: string;
  signal?: AbortSignal;
}

function pem(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new KhutulunError(ClientErrors.tlsFile, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: 'check the --tls-* paths', cause: error });
  }
}

/** Opens the request; resolves with the 2xx answer (a stream), rejects with the agent's coded error. */
export function openStream(target: AgentTarget, req: StreamRequest): Promise<IncomingMessage> {
  const url = new URL(req.path, target.url);
  const headers: Record<string, string> = { accept: req.accept };
  if (target.token) headers['authorization'] = `Bearer ${target.token}`;
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const https = url.protocol === 'https:';
  const tls = https && target.tls ? { cert: pem(target.tls.cert), key: pem(target.tls.key), ca: pem(target.tls.ca) } : {};
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = send(url, { method: req.method, headers, ...Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)), ...(req.signal ? { signal: req.signal } : {}) }, (res) => {
      const status = res.statusCode ?? 502;
      if (status >= 200 && status < 300) return resolve(res);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        const e = (parsed as { error?: unknown } | undefined)?.error;
        reject(
          isErrorData(e)
            ? new KhutulunError(e.code, e.message, { retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}), details: { httpStatus: status } })
            : new KhutulunError(ClientErrors.badResponse, `the agent answered HTTP ${status}`, { hint: 'check --agent and the agent log', retryable: status >= 500 }),
        );
      });
    });
    r.on('error', (error: NodeJS.ErrnoException) => {
      if (req.signal?.aborted) return reject(error);
      reject(
        new KhutulunError(ClientErrors.unreachable, `cannot reach the agent at ${target.url}`, {
          hint: 'is it running? start one with `khutulun up FILE` or `khutulun agent ...`, or check --agent',
          retryable: true,
          cause: error,
        }),
      );
    });
    r.end(body);
  });
}

/** Splits a byte stream into lines (the last partial line kept until more arrives). */
async function* lines(res: AsyncIterable<Buffer | string>): AsyncIterable<string> {
  let pending = '';
  for await (const chunk of res) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      yield pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  if (pending !== '') yield pending;
}

/** Newline-delimited JSON values (blank lines skipped; a broken line is a coded error). */
export async function* ndjson(res: AsyncIterable<Buffer | string>): AsyncIterable<unknown> {
  for await (const line of lines(res)) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      throw new KhutulunError(ClientErrors.badResponse, `the agent sent a line that is not JSON: ${line.slice(0, 80)}`, { hint: 'check that --agent points at a Khutulun agent' });
    }
  }
}

export interface SseMessage {
  event: string;
  data: string;
}

/** Server-sent events (`event:` and `data:` fields; comments and ids ignored). */
export async function* serverSentEvents(res: AsyncIterable<Buffer | string>): AsyncIterable<SseMessage> {
  let event = 'message';
  let data: string[] = [];
  for await (const raw of lines(res)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n') };
      event = 'message';
      data = [];
    } else if (line.startsWith(':')) continue;
    else {
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
}

/** The agent's error line inside a stream, as a KhutulunError (or undefined for other lines). */
export function streamError(value: unknown): KhutulunError | undefined {
  const e = (value as { error?: unknown } | undefined)?.error;
  return isErrorData(e) ? new KhutulunError(e.code, e.message, { retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}) }) : undefined;
}
