/**
 * The CLI's HTTP client for a running agent, and how the CLI finds that agent: `--agent URL`, else
 * the agent recorded in the state dir (`--state DIR`, else $KHUTULUN_HOME, else ~/.khutulun).
 * An agent with mutual TLS wants a client certificate from the cluster CA: global fetch cannot
 * present one (without undici's dispatcher), so those calls go through node:https instead.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KhutulunError, isErrorData } from '../common/index.js';
// Straight from its file: agent/index.js would load the agent (Automerge) for every CLI call.
import { readAgentRecord } from '../agent/agent-record.js';
import type { DeploymentPlan, DeploymentStatus, DeploymentSummary, DeployResult, HistoryRecord, HostView, DeployRequest, UndeployResult, RunReport, RunSpec, PluginsView } from '../agent/index.js';
import { UsageError } from './args.js';
import type { CliIo, GlobalOptions } from './command.js';

export const ClientErrors = {
  unreachable: 'KH-CLIENT-001',
  badResponse: 'KH-CLIENT-002',
  noAgent: 'KH-CLIENT-003',
  badUrl: 'KH-CLIENT-004',
  tlsFile: 'KH-CLIENT-005',
  tlsHandshake: 'KH-CLIENT-006',
} as const;

/** PEM paths the client presents (cert + key) and trusts (ca; else the system's roots). */
export interface ClientTlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

export interface AgentTarget {
  url: string;
  token: string | undefined;
  /** Set for `https://` agents when TLS files were given (flags, env, or the agent record). */
  tls?: ClientTlsFiles;
}

export function stateDirOf(io: Pick<CliIo, 'env' | 'cwd'>, flag: string | undefined): string {
  if (flag) return resolve(io.cwd, flag);
  const home = io.env['KHUTULUN_HOME'];
  if (home) return resolve(io.cwd, home);
  return join(io.env['HOME'] ?? homedir(), '.khutulun');
}

/** The TLS files of the global options (paths resolved against the working dir), if any was given. */
function tlsOf(globals: GlobalOptions, cwd: string): ClientTlsFiles | undefined {
  const { tlsCert: cert, tlsKey: key, tlsCa: ca } = globals;
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together', 'give the client certificate and its key (or neither, with only --tls-ca)');
  }
  return {
    ...(cert !== undefined ? { cert: resolve(cwd, cert) } : {}),
    ...(key !== undefined ? { key: resolve(cwd, key) } : {}),
    ...(ca !== undefined ? { ca: resolve(cwd, ca) } : {}),
  };
}

export function resolveAgentTarget(globals: GlobalOptions, io: Pick<CliIo, 'env' | 'cwd'>, stateFlag?: string): AgentTarget {
  const tls = tlsOf(globals, io.cwd);
  if (globals.agent) {
    let url: URL;
    try {
      // A bare HOST:PORT means https when TLS files are given (an agent serves one or the other).
      url = new URL(globals.agent.includes('://') ? globals.agent : `${tls ? 'https' : 'http'}://${globals.agent}`);
    } catch {
      throw new KhutulunError(ClientErrors.badUrl, `invalid --agent URL "${globals.agent}"`, { hint: 'write --agent http://HOST:PORT' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new KhutulunError(ClientErrors.badUrl, `unsupported --agent scheme "${url.protocol}"`, { hint: 'write --agent http://HOST:PORT' });
    }
    if (tls && url.protocol === 'http:') {
      throw new UsageError('TLS files (--tls-* or $KHUTULUN_TLS_*) were given for an http:// agent', 'write --agent https://HOST:PORT (an agent started with --tls-* serves HTTPS), or drop the TLS options');
    }
    return { url: url.origin, token: globals.token, ...(tls ? { tls } : {}) };
  }
  const dir = stateDirOf(io, stateFlag ?? globals.state);
  const record = readAgentRecord(dir);
  if (!record) {
    throw new KhutulunError(ClientErrors.noAgent, `no agent running for state dir ${dir}`, {
      hint: 'start one with `khutulun up FILE` (or `khutulun agent --state DIR ...`), or pass --agent URL',
    });
  }
  // The record's files are the agent's own certificate: good for client auth too (same CA).
  const recordTls = tls ?? record.tls;
  return { url: record.url, token: globals.token ?? record.token, ...(recordTls && record.url.startsWith('https:') ? { tls: recordTls } : {}) };
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class AgentClient {
  readonly #target: AgentTarget;
  readonly #fetch: FetchLike;

  constructor(target: AgentTarget, fetchImpl?: FetchLike) {
    this.#target = target;
    this.#fetch = fetchImpl ?? (target.tls ? httpsFetch(target.tls) : fetch);
  }

  /** Creates the deployment, or updates it when the name exists (the answer says which, with the plan). */
  deploy(request: DeployRequest): Promise<DeployResult> {
    return this.#call('POST', '/v1/deployments', request);
  }
  plan(request: DeployRequest): Promise<DeploymentPlan> {
    return this.#call('POST', `/v1/deployments/${encodeURIComponent(request.name)}/plan`, request);
  }
  update(request: DeployRequest, dryRun = false): Promise<DeployResult> {
    return this.#call('PUT', `/v1/deployments/${encodeURIComponent(request.name)}${dryRun ? '?dryRun=1' : ''}`, request);
  }
  scale(name: string, node: string, count: number, dryRun = false): Promise<DeployResult> {
    return this.#call('POST', `/v1/deployments/${encodeURIComponent(name)}/scale${dryRun ? '?dryRun=1' : ''}`, { node, count });
  }
  status(name: string): Promise<DeploymentStatus> {
    return this.#call('GET', `/v1/deployments/${encodeURIComponent(name)}`);
  }
  list(): Promise<DeploymentSummary[]> {
    return this.#call('GET', '/v1/deployments');
  }
  outputs(name: string): Promise<Record<string, unknown>> {
    return this.#call('GET', `/v1/deployments/${encodeURIComponent(name)}/outputs`);
  }
  undeploy(name: string, force = false): Promise<UndeployResult> {
    return this.#call('DELETE', `/v1/deployments/${encodeURIComponent(name)}${force ? '?force=1' : ''}`);
  }
  hosts(): Promise<HostView[]> {
    return this.#call('GET', '/v1/hosts');
  }
  /** A failed run answers 422 with every result: that is a report, not an error, here. */
  run(name: string, spec: RunSpec): Promise<RunReport> {
    return this.#call('POST', `/v1/deployments/${encodeURIComponent(name)}/run`, spec, { timeoutMs: (spec.timeoutMs ?? 60_000) + 15_000, report: 422 });
  }
  history(name: string, query: { node?: string; since?: number } = {}): Promise<HistoryRecord[]> {
    const q = new URLSearchParams();
    if (query.node !== undefined) q.set('node', query.node);
    if (query.since !== undefined) q.set('since', String(query.since));
    const qs = q.toString();
    return this.#call('GET', `/v1/deployments/${encodeURIComponent(name)}/history${qs ? `?${qs}` : ''}`);
  }
  /** A one-time login link to the live page for this client's credential. */
  loginLink(): Promise<{ url: string; expiresAt: number }> {
    return this.#call('POST', '/v1/ui/login');
  }
  plugins(): Promise<PluginsView> {
    return this.#call('GET', '/v1/plugins');
  }
  async allowPlugin(name: string, grants: readonly string[]): Promise<Record<string, string[]>> {
    return (await this.#call<{ policy: Record<string, string[]> }>('PUT', `/v1/plugins/${encodeURIComponent(name)}/grants`, { grants })).policy;
  }

  async #call<T>(method: string, path: string, body?: unknown, options: { timeoutMs?: number; report?: number } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#target.token) headers['authorization'] = `Bearer ${this.#target.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(this.#target.url + path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const tls = tlsFailure(error, this.#target.url.startsWith('https:'));
      if (tls !== undefined) {
        throw new KhutulunError(ClientErrors.tlsHandshake, `TLS handshake with the agent at ${this.#target.url} failed: ${tls}`, {
          hint: 'the agent wants a client certificate from the cluster CA: pass --tls-cert FILE --tls-key FILE --tls-ca FILE (or $KHUTULUN_TLS_CERT/KEY/CA)',
          cause: error,
        });
      }
      throw new KhutulunError(ClientErrors.unreachable, `cannot reach the agent at ${this.#target.url}`, {
        hint: 'is it running? start one with `khutulun up FILE` or `khutulun agent ...`, or check --agent',
        retryable: true,
        cause: error,
      });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw new KhutulunError(ClientErrors.badResponse, `the agent at ${this.#target.url} answered ${res.status} with non-JSON`, {
        hint: 'check that --agent points at a Khutulun agent',
      });
    }
    if (!res.ok && !(res.status === options.report && typeof parsed === 'object' && parsed !== null && 'results' in parsed)) {
      const e = (parsed as { error?: unknown } | undefined)?.error;
      if (isErrorData(e)) {
        throw new KhutulunError(e.code, e.message, { retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}), details: { httpStatus: res.status } });
      }
      throw new KhutulunError(ClientErrors.badResponse, `the agent answered HTTP ${res.status}`, { hint: 'check the agent log', retryable: res.status >= 500 });
    }
    return parsed as T;
  }
}

/**
 * The TLS reason of a failed call (our verdict on the agent's certificate, or its alert), else
 * undefined. An agent drops a client certificate from another CA right after the TLS 1.3
 * handshake, which reads as a reset: on https that is most likely the certificate.
 */
function tlsFailure(error: unknown, https: boolean): string | undefined {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (/^ERR_SSL|^ERR_TLS|CERT|SIGNATURE/.test(code) || /certificate|tls alert|ssl alert/i.test(message)) return message || code;
    if (https && code === 'ECONNRESET') return 'the agent reset the connection (does it accept our client certificate?)';
  }
  return undefined;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new KhutulunError(ClientErrors.tlsFile, `cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'check the path and its permissions; scripts/tls/make-cluster-ca.sh makes the files (docs/agent.md, "Mutual TLS")',
      cause: error,
    });
  }
}

/** A FetchLike over node:https that presents a client certificate and trusts the given CA. */
export function httpsFetch(files: ClientTlsFiles): FetchLike {
  const agent = new HttpsAgent({
    ...(files.cert !== undefined ? { cert: readPem(files.cert, '--tls-cert') } : {}),
    ...(files.key !== undefined ? { key: readPem(files.key, '--tls-key') } : {}),
    ...(files.ca !== undefined ? { ca: readPem(files.ca, '--tls-ca') } : {}),
  });
  return (input, init = {}) =>
    new Promise<Response>((resolveResponse, reject) => {
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = httpsRequest(input, { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 502;
          // Response refuses a body on 204/304 and statuses outside 200..599.
          resolveResponse(new Response(text === '' || status === 204 || status === 304 ? null : text, { status: status >= 200 && status <= 599 ? status : 502 }));
        });
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
}
