/**
 * `startAgent(options)`: one host process on ONE port — the automerge-repo sync WebSocket at
 * `/sync` and the HTTP/JSON API beside it — with persistent storage, an explicit share policy,
 * membership in the cluster document and token authentication. Embeddable: tests, `khutulun up`
 * and host services run it in-process and stop it with `close()`.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lockStateDir } from './state-lock.js';
import { Repo } from '@automerge/automerge-repo';
import type { DocHandle, PeerId } from '@automerge/automerge-repo';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';
import { VerifiedStorage } from './verified-storage.js';
import { AuthThrottle } from './auth-throttle.js';
import { WebSocketServer } from 'ws';
import { KhutulunError } from '../common/index.js';
import { openSharedClusterDoc, sharedClusterDocumentId } from '../store/index.js';
import { writeAgentRecord, removeAgentRecord } from './agent-record.js';
import { formatHostPort, resolveAgentOptions } from './agent-options.js';
import type { AgentOptions } from './agent-options.js';
import { attachAgentMetrics } from './agent-metrics.js';
import { createApiHandler } from './api.js';
import { authorize, presentedToken } from './auth.js';
import { applyHttpLimits, connectionsCheckEveryMs } from './http-limits.js';
import { checkRequestGuard } from './request-guard.js';
import { ClosableStorage } from './closable-storage.js';
import { clusterDocumentId, clusterGenesis } from './cluster-doc.js';
import type { ClusterDoc } from './cluster-doc.js';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.js';
import { clusterEngine } from './cluster-engine.js';
import type { DeploymentEngine } from './deployment-engine.js';
import { AgentErrors } from './errors.js';
import { EventHub } from './event-hub.js';
import { loadOrCreateIdentity } from './host-identity.js';
import { Membership } from './membership.js';
import type { HostView } from './membership.js';
import { PeerManager } from './peer-manager.js';
import { makeShareConfig } from './share-policy.js';
import { PeerServerAdapter } from './sync-adapters.js';
import { createAgentServer } from './tls.js';
import { loginLink } from './ui-routes.js';
import type { UiContext } from './ui-routes.js';
import { UiSessions } from './ui-session.js';

export const SYNC_PATH = '/sync';

export interface Agent {
  /** `http://host:port` of the API (and `ws://…/sync` for peers); `https://` (and `wss://`) with mutual TLS. */
  readonly url: string;
  /** `host:port` other agents dial. */
  readonly address: string;
  readonly hostId: string;
  readonly name: string;
  readonly repo: Repo;
  readonly cluster: DocHandle<ClusterDoc>;
  readonly events: EventHub;
  readonly deployments: DeploymentEngine;
  hosts(): HostView[];
  /**
   * A one-time login link to the live page (`URL/login?code=…`, valid for minutes, usable once),
   * for the cluster (admin) credential. `up` and `agent` print one; `khutulun ui` asks for more.
   */
  loginLink(): { url: string; expiresAt: number };
  /** Host ids with a live sync connection. */
  connectedPeers(): string[];
  /** Dial another agent (`host:port`); idempotent. */
  addPeer(address: string): void;
  /** Stop dialing an agent and drop the connection (used to simulate partitions, too). */
  removePeer(address: string): void;
  close(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<Agent> {
  const o = resolveAgentOptions(options);
  if (o.stateDir !== undefined) mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  // One process per state folder: a second one is refused before it touches anything.
  const unlock = o.stateDir !== undefined ? lockStateDir(o.stateDir) : () => undefined;
  try {
    return await open(o, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

async function open(o: ReturnType<typeof resolveAgentOptions>, unlock: () => void): Promise<Agent> {
  const identity = loadOrCreateIdentity(o.stateDir, o.name, o.random);
  const clusterId = clusterDocumentId(o.cluster);
  const share = makeShareConfig(clusterId, [sharedClusterDocumentId(o.cluster)]);
  const storage =
    o.stateDir !== undefined
      ? new ClosableStorage(new VerifiedStorage(new NodeFSStorageAdapter(join(o.stateDir, 'repo')), { quarantineDir: join(o.stateDir, 'quarantine'), logger: o.logger }))
      : undefined;
  const repo = new Repo({
    peerId: identity.id as PeerId,
    ...(storage ? { storage } : {}),
    network: [],
    shareConfig: share.config,
  });
  // A deleted document (an undeployed deployment, a collected plugin blob) may get a late save.
  repo.on('delete-document', ({ documentId }) => storage?.deleted(documentId));
  const cluster = await openClusterDoc(repo, clusterId);
  share.attach(cluster, () => repo.shareConfigChanged());
  // The store's cluster document too, while the repo has no network (local storage or genesis).
  await openSharedClusterDoc(repo, o.cluster);

  const events = new EventHub();
  const metrics = attachAgentMetrics({ events, hosts: () => late.membership?.hosts() ?? [], hostId: identity.id });
  const streams = new Set<ServerResponse>();
  const auth = { credentials: o.credentials };
  const guard = { allowedHosts: o.allowedHosts };
  // Membership needs the advertised address, known only after listen(): filled in below.
  const late: { membership?: Membership; advertise?: string; url?: string; capabilities?: string[]; runtimes?: readonly RuntimeAdapter[] } = {};
  const ui: UiContext = { sessions: new UiSessions(o.clock, o.random), auth, secure: o.tls !== undefined, url: () => late.url ?? '', now: () => o.clock.now() };
  // One engine everywhere: without an explicit one, the production cluster engine on this state dir.
  const makeEngine = o.engine ?? clusterEngine(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}).factory;
  const engine: DeploymentEngine = makeEngine({
        repo,
        cluster,
        hostId: identity.id,
        events,
        clock: o.clock,
        logger: o.logger,
        clusterName: o.cluster,
        hosts: () => late.membership?.hosts() ?? [],
        advertise: () => late.advertise,
        publishCapabilities: (list) => {
          late.capabilities = [...list];
          late.membership?.setCapabilities(list);
        },
        publishRuntimes: (list) => {
          late.runtimes = list;
          metrics.watchRuntimes(list);
        },
      });
  const peers = new PeerManager({ repo, token: o.token, tls: o.tls, reconnectMs: o.reconnectMs, logger: o.logger, syncPath: SYNC_PATH });

  const throttle = new AuthThrottle({ clock: o.clock });
  const server = createAgentServer(
    createApiHandler({
      auth,
      throttle,
      guard,
      maxBodyBytes: o.limits.maxBodyBytes,
      engine,
      events,
      hosts: () => late.membership?.hosts() ?? [],
      logger: o.logger,
      streams,
      metrics: metrics.registry,
      workloads: { hostId: identity.id, runtimes: () => late.runtimes ?? [], tls: o.tls },
      ui,
    }),
    o.tls,
    o.logger,
    connectionsCheckEveryMs(o.limits),
  );
  applyHttpLimits(server, o.limits, o.logger);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket: Duplex, head) => {
    const path = (req.url ?? '').split('?')[0];
    // Sync always needs a peer identity: a credential whose role grants `sync` (peer or admin).
    const refused = checkRequestGuard(guard, req.headers);
    const decision = authorize(auth, presentedToken(req, true), 'sync');
    if (!decision.ok && decision.reason !== 'forbidden') {
      // Failures only: a peer with a valid credential at the same address is never locked out.
      const from = req.socket.remoteAddress ?? '?';
      const wait = throttle.blocked(from);
      if (wait !== undefined) {
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nretry-after: ${wait}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return;
      }
      throttle.failed(from);
    }
    if (path !== SYNC_PATH || refused !== undefined || !decision.ok) {
      const status = path !== SYNC_PATH ? '404 Not Found' : refused !== undefined || (!decision.ok && decision.reason === 'forbidden') ? '403 Forbidden' : '401 Unauthorized';
      const reason = path !== SYNC_PATH ? 'path' : (refused ?? (decision.ok ? '' : decision.reason));
      o.logger.log('warn', 'refused sync connection', { from: req.socket.remoteAddress, path, reason, ...(decision.ok || !decision.credential ? {} : { credential: decision.credential.name }) });
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    // A sync socket is long-lived and may be quiet: the idle-socket limit does not apply.
    req.socket.setTimeout(0);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The server adapter attaches no error listener: a peer's reset (ECONNRESET) would crash us.
      ws.on('error', (error) => o.logger.log('warn', 'sync socket error', { from: req.socket.remoteAddress, error: error.message }));
      wss.emit('connection', ws, req);
    });
  });
  // isomorphic-ws re-declares ws's server type; at run time it is the same `ws` class.
  repo.networkSubsystem.addNetworkAdapter(new PeerServerAdapter(wss as unknown as ConstructorParameters<typeof PeerServerAdapter>[0]));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new KhutulunError(AgentErrors.listen, `cannot listen on ${formatHostPort(o.listen)}: ${error.code ?? error.message}`, {
          hint: error.code === 'EADDRINUSE' ? 'another process uses that port: pick another --listen port' : 'check the --listen address',
          retryable: error.code === 'EADDRINUSE',
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (error: unknown) => {
    metrics.close();
    await repo.flush().catch(() => undefined);
    await storage?.seal();
    await repo.shutdown().catch(() => undefined);
    throw error;
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : o.listen.port;
  const listenAddress = formatHostPort({ host: o.listen.host, port });
  const advertise = o.advertise ?? (o.listen.host === '0.0.0.0' || o.listen.host === '::' ? formatHostPort({ host: '127.0.0.1', port }) : listenAddress);
  const url = `${o.tls ? 'https' : 'http'}://${listenAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
  late.advertise = advertise;
  late.url = url;

  const m = new Membership({
    cluster,
    hostId: identity.id,
    name: identity.name,
    addresses: [advertise],
    labels: o.labels,
    ...(o.capacity ? { capacity: o.capacity } : {}),
    ...(late.capabilities ? { capabilities: late.capabilities } : {}),
    clock: o.clock,
    heartbeatMs: o.heartbeatMs,
    persistEveryMs: o.heartbeatPersistMs,
    boot: o.random.hex(6),
    staleAfterMs: o.staleAfterMs,
    events,
    logger: o.logger,
    peers,
    learnPeers: o.learnPeers,
    maxPeers: o.maxPeers,
  });
  late.membership = m;
  repo.networkSubsystem.on('peer', ({ peerId }) => m.peerConnected(peerId));
  repo.networkSubsystem.on('peer-disconnected', ({ peerId }) => m.peerDisconnected(peerId));
  m.start();
  for (const p of o.peers) peers.add(p);
  if (o.stateDir !== undefined) {
    writeAgentRecord(o.stateDir, {
      url,
      ...(o.token !== undefined ? { token: o.token } : {}),
      ...(o.tls ? { tls: o.tls.files } : {}),
      pid: process.pid,
      name: identity.name,
      hostId: identity.id,
      startedAt: o.clock.now(),
    });
  }
  o.logger.log('info', 'agent listening', { name: identity.name, hostId: identity.id, url, peers: o.peers });

  let closing: Promise<void> | undefined;
  return {
    url,
    address: advertise,
    hostId: identity.id,
    name: identity.name,
    repo,
    cluster,
    events,
    deployments: engine,
    hosts: () => m.hosts(),
    loginLink: () => loginLink(ui),
    connectedPeers: () => [...m.connectedPeers()].sort(),
    addPeer: (address) => peers.add(formatHostPort(parseAddress(address))),
    removePeer: (address) => peers.remove(formatHostPort(parseAddress(address))),
    close() {
      closing ??= (async () => {
        m.close();
        metrics.close();
        engine.close?.();
        await engine.idle();
        peers.close();
        for (const res of streams) res.end();
        if (o.stateDir !== undefined) removeAgentRecord(o.stateDir, identity.id, url);
        wss.close();
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // Everything is on disk after this flush; later throttled saves are duplicates: drop them.
        await repo.flush().catch((error: unknown) => o.logger.log('error', 'final flush failed', { error: String(error) }));
        await storage?.seal();
        await repo.shutdown().catch(() => undefined);
        unlock();
      })();
      return closing;
    },
  };
}

function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!m) throw new KhutulunError(AgentErrors.badOption, `invalid peer address "${address}"`, { hint: 'write HOST:PORT' });
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port: Number(m[3]) };
}

/** Loads the cluster document from storage, or seeds it with the shared genesis change. */
async function openClusterDoc(repo: Repo, id: ReturnType<typeof clusterDocumentId>): Promise<DocHandle<ClusterDoc>> {
  try {
    // No network adapter yet: this only consults local storage, so it settles quickly.
    return await repo.find<ClusterDoc>(id, { signal: AbortSignal.timeout(5000) });
  } catch {
    return repo.import<ClusterDoc>(clusterGenesis(), { docId: id });
  }
}
