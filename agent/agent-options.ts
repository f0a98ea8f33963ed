/** Options of an agent, their defaults and validation (bad options are coded errors, not crashes). */
import { KhutulunError, systemClock, systemRandom, silentLogger } from '../common/index.js';
import type { Clock, Logger, Random } from '../common/index.js';
import type { Repo, DocHandle } from '@automerge/automerge-repo';
import type { ClusterDoc } from './cluster-doc.js';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.js';
import type { DeploymentEngine } from './deployment-engine.js';
import type { EventHub } from './event-hub.js';
import { AgentErrors } from './errors.js';
import type { HostView } from './membership.js';
import { loadTls } from './tls.js';
import { ROLES, tokenDigest } from './auth.js';
import type { Credential } from './auth.js';
import { loadCredentials } from './credentials.js';
import { resolveHttpLimits } from './http-limits.js';
import type { HttpLimits } from './http-limits.js';
import type { TlsFiles, TlsMaterial } from './tls.js';

/** What a custom DeploymentEngine factory gets from the agent. */
export interface EngineContext {
  repo: Repo;
  cluster: DocHandle<ClusterDoc>;
  hostId: string;
  /** Publish actor transitions here: they reach `GET /v1/events`. */
  events: EventHub;
  clock: Clock;
  logger: Logger;
  /** The cluster's name: the store opens the shared cluster document derived from it. */
  clusterName: string;
  /** The membership view (hosts, connected or not); empty until the agent listens. */
  hosts(): HostView[];
  /** The address (`host:port`) this agent advertises; known once it listens. */
  advertise(): string | undefined;
  /** Publishes what this host can run (`runtime:podman`, ...) in its membership record. */
  publishCapabilities(capabilities: readonly string[]): void;
  /** Hands the agent this host's runtime adapters, for `logs` and `exec` (agent/workload-routes.ts). */
  publishRuntimes(runtimes: readonly RuntimeAdapter[]): void;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface AgentOptions {
  /** Host name in the cluster (unique per cluster). */
  name: string;
  /** `HOST:PORT` or parsed; port 0 picks a free port. Default 127.0.0.1:0. */
  listen?: string | ListenAddress;
  /** Address other hosts should dial (default: the listen address). */
  advertise?: string;
  /** Agents to dial (`HOST:PORT`). More are learned from the cluster document. */
  peers?: string[];
  /** Persistent state (Automerge storage, host id, agent.json); absent = in memory. */
  stateDir?: string;
  /**
   * Shared cluster token: the credential named `cluster` with role admin (peers dial with it).
   * Read it from a file (`--token-file`) or the environment, never from argv.
   */
  token?: string;
  /**
   * More named credentials with roles: a credentials file path (JSON, owner-only, tokens as
   * SHA-256 digests) or the list itself. See docs/security.md.
   */
  credentials?: string | readonly Credential[];
  /** Host names (besides IP literals and localhost) the agent answers to; others are refused (DNS rebinding). */
  allowedHosts?: readonly string[];
  /** HTTP limits (body size, connections per client, timeouts); defaults in http-limits.ts. */
  limits?: Partial<HttpLimits>;
  /**
   * Mutual TLS: PEM file PATHS of this host's certificate, its key and the cluster CA. The port
   * then serves HTTPS + WSS and refuses callers without a certificate from that CA; peers are
   * dialed over `wss://` with this certificate. The token (if any) is still checked on top.
   */
  tls?: TlsFiles;
  labels?: Record<string, string>;
  /** Cluster name: the cluster document's id is derived from it. Default `default`. */
  cluster?: string;
  /** Heartbeat period (ms). Default 5000. */
  heartbeatMs?: number;
  /** Heartbeats go to peers ephemerally; every this often (ms) one is also written to the document. Default 60 000. */
  heartbeatPersistMs?: number;
  /** A host whose heartbeat is older than this counts as disconnected. Default 3 heartbeats. */
  staleAfterMs?: number;
  /** Peer reconnect period (ms), at least 250. Default 2000. */
  reconnectMs?: number;
  /** Upper bound on outgoing peer connections (bounded fan-out). Default 8. */
  maxPeers?: number;
  /** Dial hosts learned from the cluster document. Default true. */
  learnPeers?: boolean;
  /** Capacity override (default: from the OS). */
  capacity?: { cpus: number; memoryBytes: number };
  /**
   * The deployment engine (default: clusterEngine() on stateDir — TOSCA, the store in this agent's
   * Repo, placement and the actors). Called once the repo and the cluster document are open;
   * tests pass clusterEngine({ local: { plugins, runtimes } }) with fakes behind the same engine.
   */
  engine?: (context: EngineContext) => DeploymentEngine;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface ResolvedAgentOptions {
  name: string;
  listen: ListenAddress;
  advertise: string | undefined;
  peers: string[];
  stateDir: string | undefined;
  token: string | undefined;
  /** Every credential the agent accepts (the cluster token's included, as `cluster`/admin). */
  credentials: Credential[];
  allowedHosts: Set<string>;
  limits: HttpLimits;
  /** The files read and checked; undefined = plain HTTP/WS. */
  tls: TlsMaterial | undefined;
  labels: Record<string, string>;
  cluster: string;
  heartbeatMs: number;
  heartbeatPersistMs: number;
  staleAfterMs: number;
  reconnectMs: number;
  maxPeers: number;
  learnPeers: boolean;
  capacity: { cpus: number; memoryBytes: number } | undefined;
  engine: AgentOptions['engine'];
  clock: Clock;
  random: Random;
  logger: Logger;
}

function bad(message: string, hint: string): KhutulunError {
  return new KhutulunError(AgentErrors.badOption, message, { hint });
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback). */
export function parseHostPort(text: string, what = 'address'): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw bad(`invalid ${what} "${text}"`, 'write HOST:PORT, for example 127.0.0.1:7700 or [::1]:7700');
  }
  const host = m[1] ?? (m[2] || '127.0.0.1');
  return { host, port };
}

export function formatHostPort(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parses `k=v,k2=v2` into labels. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(`invalid label "${part}"`, 'write labels as k=v,k2=v2');
    labels[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return labels;
}

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,62})$/;

export function resolveAgentOptions(o: AgentOptions): ResolvedAgentOptions {
  if (!NAME.test(o.name ?? '')) {
    throw bad(`invalid host name ${JSON.stringify(o.name)}`, 'use 1-63 letters, digits, dots, dashes or underscores');
  }
  const listen = typeof o.listen === 'string' ? parseHostPort(o.listen, '--listen address') : (o.listen ?? { host: '127.0.0.1', port: 0 });
  const peers = (o.peers ?? []).map((p) => formatHostPort(parseHostPort(p, '--peer address')));
  if (o.advertise !== undefined) parseHostPort(o.advertise, '--advertise address');
  if ((o as { allowLoopback?: unknown }).allowLoopback !== undefined) {
    throw bad('allowLoopback was removed: no caller is admitted without a credential, loopback included', 'pass a token (khutulun up makes a per-start one in the owner-only agent.json), see docs/security.md');
  }
  const token = o.token === undefined || o.token === '' ? undefined : o.token;
  if (token !== undefined && token.length < 16) throw bad('the cluster token is too short', 'use at least 16 characters, e.g. `openssl rand -hex 32 > FILE; chmod 600 FILE`');
  const listed = typeof o.credentials === 'string' ? loadCredentials(o.credentials) : [...(o.credentials ?? [])];
  for (const c of listed) {
    if (!ROLES.includes(c.role) || !/^[0-9a-f]{64}$/.test(c.sha256)) throw bad(`invalid credential ${JSON.stringify(c.name)}`, 'each credential needs a role and a sha256 digest');
  }
  const credentials: Credential[] = [...(token !== undefined ? [{ name: 'cluster', role: 'admin' as const, sha256: tokenDigest(token) }] : []), ...listed.filter((c) => c.name !== 'cluster' || token === undefined)];
  if (credentials.length === 0) {
    throw bad('the agent needs a credential: a cluster token or a credentials file', 'pass --token-file FILE (or set KHUTULUN_TOKEN), or --credentials FILE; see docs/security.md');
  }
  let limits: HttpLimits;
  try {
    limits = resolveHttpLimits(o.limits);
  } catch (error) {
    throw bad((error as Error).message, 'see docs/security.md for the limits and their defaults');
  }
  const heartbeatMs = o.heartbeatMs ?? 5000;
  if (!(heartbeatMs >= 10)) throw bad(`heartbeat ${heartbeatMs} ms is too short`, 'use at least 10 ms');
  const reconnectMs = o.reconnectMs ?? 2000;
  // The WebSocket adapter re-dials every reconnectMs until a socket opens: a period shorter than a
  // handshake on a loaded host would replace every socket before it opens.
  if (!(reconnectMs >= 250)) throw bad(`reconnect period ${reconnectMs} ms is too short`, 'use at least 250 ms');
  const maxPeers = o.maxPeers ?? 8;
  if (!(maxPeers >= 1 && maxPeers <= 1024)) throw bad(`maxPeers ${maxPeers} out of range`, 'use 1..1024');
  return {
    name: o.name,
    listen,
    advertise: o.advertise,
    peers: [...new Set(peers)],
    stateDir: o.stateDir,
    token,
    credentials,
    allowedHosts: new Set([...(o.allowedHosts ?? []), listen.host, ...(o.advertise !== undefined ? [parseHostPort(o.advertise).host] : [])].map((h) => h.toLowerCase())),
    limits,
    tls: o.tls !== undefined ? loadTls(o.tls) : undefined,
    labels: { ...(o.labels ?? {}) },
    cluster: o.cluster ?? 'default',
    heartbeatMs,
    heartbeatPersistMs: Math.max(heartbeatMs, o.heartbeatPersistMs ?? 60_000),
    staleAfterMs: o.staleAfterMs ?? heartbeatMs * 3,
    reconnectMs,
    maxPeers,
    learnPeers: o.learnPeers ?? true,
    capacity: o.capacity,
    engine: o.engine,
    clock: o.clock ?? systemClock,
    random: o.random ?? systemRandom,
    logger: o.logger ?? silentLogger,
  };
}
