/**
 * The CLI's HTTP client for a running agent, and how the CLI finds that agent: `--agent URL`, else
 * the agent recorded in the state dir (`--state DIR`, else $KHUTULUN_HOME, else ~/.khutulun).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KhutulunError, isErrorData } from '../common/index.js';
import { readAgentRecord } from '../agent/index.js';
import type { DeploymentStatus, DeploymentSummary, HostView, DeployRequest } from '../agent/index.js';
import type { CliIo, GlobalOptions } from './command.js';

export const ClientErrors = {
  unreachable: 'KH-CLIENT-001',
  badResponse: 'KH-CLIENT-002',
  noAgent: 'KH-CLIENT-003',
  badUrl: 'KH-CLIENT-004',
} as const;

export interface AgentTarget {
  url: string;
  token: string | undefined;
}

export function stateDirOf(io: Pick<CliIo, 'env' | 'cwd'>, flag: string | undefined): string {
  if (flag) return resolve(io.cwd, flag);
  const home = io.env['KHUTULUN_HOME'];
  if (home) return resolve(io.cwd, home);
  return join(io.env['HOME'] ?? homedir(), '.khutulun');
}

export function resolveAgentTarget(globals: GlobalOptions, io: Pick<CliIo, 'env' | 'cwd'>, stateFlag?: string): AgentTarget {
  if (globals.agent) {
    let url: URL;
    try {
      url = new URL(globals.agent.includes('://') ? globals.agent : `http://${globals.agent}`);
    } catch {
      throw new KhutulunError(ClientErrors.badUrl, `invalid --agent URL "${globals.agent}"`, { hint: 'write --agent http://HOST:PORT' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new KhutulunError(ClientErrors.badUrl, `unsupported --agent scheme "${url.protocol}"`, { hint: 'write --agent http://HOST:PORT' });
    }
    return { url: url.origin, token: globals.token };
  }
  const dir = stateDirOf(io, stateFlag ?? globals.state);
  const record = readAgentRecord(dir);
  if (!record) {
    throw new KhutulunError(ClientErrors.noAgent, `no agent running for state dir ${dir}`, {
      hint: 'start one with `khutulun up FILE` (or `khutulun agent --state DIR ...`), or pass --agent URL',
    });
  }
  return { url: record.url, token: globals.token ?? record.token };
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class AgentClient {
  readonly #target: AgentTarget;
  readonly #fetch: FetchLike;

  constructor(target: AgentTarget, fetchImpl: FetchLike = fetch) {
    this.#target = target;
    this.#fetch = fetchImpl;
  }

  deploy(request: DeployRequest): Promise<DeploymentStatus> {
    return this.#call('POST', '/v1/deployments', request);
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
  undeploy(name: string): Promise<DeploymentStatus> {
    return this.#call('DELETE', `/v1/deployments/${encodeURIComponent(name)}`);
  }
  hosts(): Promise<HostView[]> {
    return this.#call('GET', '/v1/hosts');
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#target.token) headers['authorization'] = `Bearer ${this.#target.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(this.#target.url + path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
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
    if (!res.ok) {
      const e = (parsed as { error?: unknown } | undefined)?.error;
      if (isErrorData(e)) {
        throw new KhutulunError(e.code, e.message, { retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}), details: { httpStatus: res.status } });
      }
      throw new KhutulunError(ClientErrors.badResponse, `the agent answered HTTP ${res.status}`, { hint: 'check the agent log', retryable: res.status >= 500 });
    }
    return parsed as T;
  }
}
