/**
 * Subclasses of automerge-repo's WebSocket adapters for an always-on host.
 *
 * The client adapter's own socket handling cannot be used as is: it builds `new WebSocket(url)`
 * with no options (so no client certificate can reach it, which mutual TLS needs), throws from its
 * error handler on anything but ECONNREFUSED (a refused upgrade, 401, or a failed TLS handshake
 * would crash the process), and leaves a socket it replaces on retry still connecting. So
 * PeerClientAdapter owns the socket lifecycle (connect, retry, ready, disconnect) and reuses only
 * the base class's wire protocol (join, send, receiveMessage). Written against
 * @automerge/automerge-repo-network-websocket 2.5: re-check `connect` when upgrading it.
 *
 * The server adapter reports "not ready" until someone connects, which stalls `repo.find` on a
 * lone host.
 */
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import type { PeerId, PeerMetadata } from '@automerge/automerge-repo';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import type { Logger } from '../common/index.js';

type Socket = NonNullable<WebSocketClientAdapter['socket']>;

const ignore = (): void => undefined;

export class PeerClientAdapter extends WebSocketClientAdapter {
  readonly address: string;
  readonly #logger: Logger;
  readonly #socketOptions: ClientOptions;
  #failures = 0;
  #retry: ReturnType<typeof setInterval> | undefined;
  #stopped = false;
  #ready = false;
  #resolveReady: () => void = ignore;
  readonly #whenReady = new Promise<void>((resolve) => (this.#resolveReady = resolve));

  /** `socketOptions` go to every `ws` socket: `{cert, key, ca}` for mutual TLS over `wss://`. */
  constructor(address: string, url: string, retryMs: number, logger: Logger, socketOptions: ClientOptions = {}) {
    super(url, retryMs);
    this.address = address;
    this.#logger = logger;
    this.#socketOptions = socketOptions;
  }

  override isReady(): boolean {
    return this.#ready;
  }

  override whenReady(): Promise<void> {
    return this.#whenReady;
  }

  #markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#resolveReady();
  }

  /**
   * The base class throws when the socket is not open (closing during a partition, or before the
   * retry reconnects), and the throw escapes from automerge-repo's event handlers as an uncaught
   * exception that kills the agent. A message for a socket that is not open is dropped instead:
   * sync messages are re-derived on the next round, and heartbeats are lossy by design.
   */
  override send(message: Parameters<WebSocketClientAdapter['send']>[0]): void {
    if (this.socket && this.socket.readyState !== WebSocket.OPEN) {
      this.#logger.log('debug', 'dropping a message for a peer whose socket is not open', { peer: this.address, state: this.socket.readyState });
      return;
    }
    super.send(message);
  }

  override connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.#stopped = false;
    const previous = this.socket;
    if (!previous || !this.peerId) {
      this.peerId = peerId;
      this.peerMetadata = peerMetadata ?? {};
    } else {
      // A retry replaces a socket that never opened: close it rather than leave it dangling.
      this.#detach(previous);
      previous.close();
    }
    this.#retry ??= setInterval(() => this.connect(peerId, peerMetadata), this.retryInterval);
    const socket = new WebSocket(this.url, this.#socketOptions) as Socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', this.onOpen);
    socket.addEventListener('close', this.onClose);
    socket.addEventListener('message', this.onMessage);
    socket.addEventListener('error', this.onError);
    this.socket = socket;
    // As the base class does: do not hold documents "unavailable" waiting for a peer that may never answer.
    setTimeout(() => this.#markReady(), 1000);
  }

  override onOpen = (): void => {
    clearInterval(this.#retry);
    this.#retry = undefined;
    this.join();
  };

  override onClose = (): void => {
    if (this.remotePeerId) this.emit('peer-disconnected', { peerId: this.remotePeerId });
    // While the retry interval runs it re-dials; after an open connection drops, dial again once.
    if (this.retryInterval > 0 && !this.#retry && !this.#stopped) {
      setTimeout(() => {
        if (!this.#stopped && this.peerId) this.connect(this.peerId, this.peerMetadata);
      }, this.retryInterval);
    }
  };

  override peerCandidate(remotePeerId: PeerId, peerMetadata: PeerMetadata): void {
    this.#failures = 0;
    this.#markReady();
    this.remotePeerId = remotePeerId;
    this.emit('peer-candidate', { peerId: remotePeerId, peerMetadata });
  }

  override disconnect(): void {
    this.#stopped = true;
    clearInterval(this.#retry);
    this.#retry = undefined;
    const socket = this.socket;
    if (socket) {
      this.#detach(socket);
      socket.close();
    }
    if (this.remotePeerId) this.emit('peer-disconnected', { peerId: this.remotePeerId });
    this.socket = undefined;
  }

  /** Closing a socket still connecting makes ws emit an 'error': without a listener it would crash the host. */
  #detach(socket: Socket): void {
    socket.removeEventListener('open', this.onOpen);
    socket.removeEventListener('close', this.onClose);
    socket.removeEventListener('message', this.onMessage);
    socket.removeEventListener('error', this.onError);
    socket.addEventListener('error', ignore);
  }

  override onError = (event: unknown): void => {
    this.#failures++;
    const error = (event as { error?: { message?: string; code?: string } }).error;
    // Log the first failure and then sparsely: a dead peer is retried forever.
    if (this.#failures === 1 || this.#failures % 20 === 0) {
      const message = error?.message ?? 'connection failed';
      const refused = /\b401\b|\b403\b/.test(message);
      // Certificate verification failures on either side: ours on the peer's certificate, theirs
      // as an alert, or (a TLS 1.3 server drops a client certificate it rejects after the
      // handshake) a reset of a wss:// connection that never opened.
      const tls =
        !refused && (/certificate|alert|altnames|ssl|tls/i.test(`${message} ${error?.code ?? ''}`) || (this.url.startsWith('wss:') && error?.code === 'ECONNRESET'));
      this.#logger.log(refused || tls ? 'error' : 'warn', refused ? 'peer refused our token' : tls ? 'peer TLS handshake failed' : 'peer unreachable', {
        peer: this.address,
        error: message,
        attempts: this.#failures,
      });
    }
  };
}

export class PeerServerAdapter extends WebSocketServerAdapter {
  override isReady(): boolean {
    return true;
  }

  override whenReady(): Promise<void> {
    return Promise.resolve();
  }
}
