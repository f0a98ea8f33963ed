/** Outgoing sync connections: the explicit --peer list plus hosts learned from the cluster doc. */
import type { Repo } from '@automerge/automerge-repo';
import type { Logger } from '../common/index.js';
import { PeerClientAdapter } from './sync-adapters.js';
import { peerSocketOptions } from './tls.js';
import type { TlsMaterial } from './tls.js';

export interface PeerManagerOptions {
  repo: Repo;
  token: string | undefined;
  /** Mutual TLS: dial `wss://` presenting this host's certificate, trusting only the cluster CA. */
  tls: TlsMaterial | undefined;
  reconnectMs: number;
  logger: Logger;
  /** URL path of the sync endpoint on every agent. */
  syncPath: string;
}

export class PeerManager {
  readonly #o: PeerManagerOptions;
  readonly #adapters = new Map<string, PeerClientAdapter>();

  constructor(options: PeerManagerOptions) {
    this.#o = options;
  }

  /** Starts dialing `host:port` (idempotent). */
  add(address: string): void {
    if (this.#adapters.has(address)) return;
    // The token travels in a header, not in the URL (which proxies and logs keep).
    const url = `${this.#o.tls ? 'wss' : 'ws'}://${address}${this.#o.syncPath}`;
    const headers = this.#o.token === undefined ? {} : { headers: { authorization: `Bearer ${this.#o.token}` } };
    const adapter = new PeerClientAdapter(address, url, this.#o.reconnectMs, this.#o.logger, { ...peerSocketOptions(this.#o.tls), ...headers });
    this.#adapters.set(address, adapter);
    this.#o.repo.networkSubsystem.addNetworkAdapter(adapter);
    this.#o.logger.log('info', 'dialing peer', { peer: address });
  }

  /** Stops dialing and drops the connection (idempotent). */
  remove(address: string): void {
    const adapter = this.#adapters.get(address);
    if (!adapter) return;
    this.#adapters.delete(address);
    try {
      this.#o.repo.networkSubsystem.removeNetworkAdapter(adapter);
    } catch {
      // Never connected yet (no socket): nothing to tear down.
    }
  }

  addresses(): Set<string> {
    return new Set(this.#adapters.keys());
  }

  /** Host id behind an address, once connected. */
  remoteOf(address: string): string | undefined {
    return this.#adapters.get(address)?.remotePeerId;
  }

  close(): void {
    for (const a of [...this.#adapters.keys()]) this.remove(a);
  }
}
