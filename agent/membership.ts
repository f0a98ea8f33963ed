/**
 * This host's membership in the cluster document: its record (addresses, labels, capacity), a
 * heartbeat on the injected clock, the set of peers it is connected to, and the hosts view
 * (`GET /v1/hosts`). It also feeds learned peers to the PeerManager.
 */
import { cpus, totalmem } from 'node:os';
import type { DocHandle } from '@automerge/automerge-repo';
import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { heartbeat, upsertHost } from './cluster-doc.js';
import type { ClusterDoc, HostCapacity } from './cluster-doc.js';
import type { EventHub } from './event-hub.js';
import { learnedDials } from './peer-plan.js';
import type { PeerManager } from './peer-manager.js';

export interface HostView {
  id: string;
  name: string;
  /** First advertised address (`host:port`). */
  address: string;
  addresses: string[];
  labels: Record<string, string>;
  capacity: HostCapacity;
  /**
   * Self, a live sync peer, or a host whose heartbeat advanced within staleAfterMs as measured on
   * THIS host's clock (reached through another host; immune to clock skew between hosts).
   */
  connected: boolean;
  /** ISO time of the host's last heartbeat (its own clock). */
  lastSeen: string;
  self: boolean;
}

export interface MembershipOptions {
  cluster: DocHandle<ClusterDoc>;
  hostId: string;
  name: string;
  addresses: string[];
  labels: Record<string, string>;
  capacity?: HostCapacity;
  clock: Clock;
  heartbeatMs: number;
  staleAfterMs: number;
  events: EventHub;
  logger: Logger;
  peers: PeerManager;
  learnPeers: boolean;
  maxPeers: number;
}

export function osCapacity(): HostCapacity {
  return { cpus: cpus().length, memoryBytes: totalmem() };
}

export class Membership {
  readonly #o: MembershipOptions;
  readonly #connected = new Set<string>();
  #timer: TimerHandle | undefined;
  #closed = false;
  /** Per host: the last lastSeen value we saw and when, on OUR clock (hosts' clocks may be skewed). */
  readonly #observed = new Map<string, { lastSeen: number; at: number }>();
  readonly #onChange = (): void => {
    this.#observe(this.#o.clock.now());
    this.#learn();
  };

  constructor(options: MembershipOptions) {
    this.#o = options;
  }

  start(): void {
    const now = this.#o.clock.now();
    // Records loaded from storage were seen before this start, not live: they begin stale.
    for (const h of Object.values(this.#o.cluster.doc().hosts)) this.#observed.set(h.id, { lastSeen: h.lastSeen, at: -Infinity });
    this.#o.cluster.change((d) =>
      upsertHost(d, {
        id: this.#o.hostId,
        name: this.#o.name,
        addresses: this.#o.addresses,
        labels: this.#o.labels,
        capacity: this.#o.capacity ?? osCapacity(),
        startedAt: now,
        lastSeen: now,
        peers: [...this.#connected].sort(),
      }),
    );
    this.#o.cluster.on('change', this.#onChange);
    this.#schedule();
    this.#learn();
  }

  peerConnected(hostId: string): void {
    if (this.#connected.has(hostId)) return;
    this.#connected.add(hostId);
    this.#o.events.publish({ type: 'peer.connected', at: this.#o.clock.now(), host: hostId });
    this.beat();
  }

  peerDisconnected(hostId: string): void {
    if (!this.#connected.delete(hostId)) return;
    this.#o.events.publish({ type: 'peer.disconnected', at: this.#o.clock.now(), host: hostId });
    this.beat();
    this.#learn();
  }

  connectedPeers(): ReadonlySet<string> {
    return this.#connected;
  }

  /** Writes the heartbeat now (one small change to this host's record). */
  beat(): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    this.#o.cluster.change((d) => heartbeat(d, this.#o.hostId, now, [...this.#connected]));
  }

  hosts(): HostView[] {
    const now = this.#o.clock.now();
    const doc = this.#o.cluster.doc();
    return Object.values(doc.hosts)
      .map((h) => {
        const self = h.id === this.#o.hostId;
        const fresh = now - (this.#observed.get(h.id)?.at ?? -Infinity) <= this.#o.staleAfterMs;
        return {
          id: h.id,
          name: h.name,
          address: h.addresses[0] ?? '',
          addresses: [...h.addresses],
          labels: { ...h.labels },
          capacity: { cpus: h.capacity.cpus, memoryBytes: h.capacity.memoryBytes },
          connected: self || this.#connected.has(h.id) || fresh,
          lastSeen: new Date(h.lastSeen).toISOString(),
          self,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#o.cluster.off('change', this.#onChange);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.beat();
      this.#schedule();
    }, this.#o.heartbeatMs);
  }

  #observe(now: number): void {
    for (const h of Object.values(this.#o.cluster.doc().hosts)) {
      const seen = this.#observed.get(h.id);
      if (!seen || seen.lastSeen !== h.lastSeen) this.#observed.set(h.id, { lastSeen: h.lastSeen, at: now });
    }
  }

  #learn(): void {
    if (!this.#o.learnPeers || this.#closed) return;
    const dials = learnedDials({
      selfId: this.#o.hostId,
      cluster: this.#o.cluster.doc(),
      connected: this.#connected,
      dialing: this.#o.peers.addresses(),
      maxPeers: this.#o.maxPeers,
    });
    for (const address of dials) {
      this.#o.logger.log('info', 'dialing a host learned from the cluster document', { peer: address });
      this.#o.peers.add(address);
    }
  }
}
