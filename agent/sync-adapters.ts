/**
 * Thin subclasses of automerge-repo's WebSocket adapters that fix two behaviours an always-on host
 * cannot live with: the client adapter throws from its error handler on anything but ECONNREFUSED
 * (a refused upgrade, 401, would crash the process), and the server adapter reports "not ready"
 * until someone connects (which stalls `repo.find` on a lone host).
 */
import { WebSocketClientAdapter, WebSocketServerAdapter } from '@automerge/automerge-repo-network-websocket';
import type { PeerId, PeerMetadata } from '@automerge/automerge-repo';
import type { Logger } from '../common/index.js';

export class PeerClientAdapter extends WebSocketClientAdapter {
  readonly address: string;
  #logger: Logger;
  #failures = 0;

  constructor(address: string, url: string, retryMs: number, logger: Logger) {
    super(url, retryMs);
    this.address = address;
    this.#logger = logger;
  }

  override peerCandidate(remotePeerId: PeerId, peerMetadata: PeerMetadata): void {
    this.#failures = 0;
    super.peerCandidate(remotePeerId, peerMetadata);
  }

  override connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    super.connect(peerId, peerMetadata);
    // The base class detaches its listeners from a socket it replaces (retry) or closes while that
    // socket may still fail (401, ECONNRESET); an 'error' with no listener would crash the host.
    this.socket?.addEventListener('error', () => undefined);
  }

  /** Closing a socket still connecting makes ws emit an error the base class no longer listens to. */
  override disconnect(): void {
    const socket = this.socket;
    if (socket) socket.addEventListener('error', () => undefined);
    if (!this.peerId) return; // never connected: the base class would assert
    super.disconnect();
  }

  override onError = (event: unknown): void => {
    this.#failures++;
    const error = (event as { error?: { message?: string; code?: string } }).error;
    // Log the first failure and then sparsely: a dead peer is retried forever.
    if (this.#failures === 1 || this.#failures % 20 === 0) {
      const message = error?.message ?? 'connection failed';
      const refused = /\b401\b|\b403\b/.test(message);
      this.#logger.log(refused ? 'error' : 'warn', refused ? 'peer refused our token' : 'peer unreachable', {
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
