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
  /** What the host can run (`runtime:process`, `runtime:podman`, ...); undefined: not published. */
  capabilities?: string[];
  /**
   * Self, a live sync peer, or a host whose heartbeat advanced within staleAfterMs as measured on
   * THIS host's clock (reached through another host; immune to clock skew between hosts).
   */
  connected: boolean;
  /** ISO time of the host's last heartbeat (its own clock). */
  lastSeen: string;
  /**
   * Milliseconds since THIS host last heard from it (a heartbeat or a change of its record), on
   * this host's clock: how far behind what we know about it may be. Absent for self and for a
   * host not heard from since this agent started.
   */
  heardAgoMs?: number;
  self: boolean;
}

export interface MembershipOptions {
  cluster: DocHandle<ClusterDoc>;
  hostId: string;
  name: string;
  addresses: string[];
  labels: Record<string, string>;
  capacity?: HostCapacity;
  /** Published with the record (the engine knows them once its runtimes are open). */
  capabilities?: readonly string[];
  clock: Clock;
  heartbeatMs: number;
  /** Unique per process start (heartbeat sequence numbers restart with it). */
  boot: string;
  /** How often a heartbeat is also written into the document (the rest are ephemeral). */
  persistEveryMs: number;
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
  /** Ephemeral heartbeats: per host, its own time in the last one and when WE received it. */
  readonly #live = new Map<string, { theirs: number; at: number }>();
  #lastPersist = -Infinity;
  #lastBeat = -Infinity;
  /** Highest heartbeat sequence seen per `host:boot`: forwards each heartbeat once (bounded flood). */
  readonly #seqs = new Map<string, number>();
  readonly #boot: string;
  #seq = 0;
  readonly #onEphemeral = ({ message }: { message: unknown }): void => {
    if (!isHeartbeat(message) || message.host === this.#o.hostId) return;
    const key = `${message.host}:${message.boot}`;
    if ((this.#seqs.get(key) ?? -1) >= message.seq) return; // already seen (relayed copy)
    if (this.#seqs.size > 4096) this.#seqs.clear(); // bounded memory; worst case one extra relay
    this.#seqs.set(key, message.seq);
    const prev = this.#live.get(message.host);
    this.#live.set(message.host, { theirs: Math.max(prev?.theirs ?? -Infinity, message.at), at: this.#o.clock.now() });
    // automerge-repo's WebSocket server adapter drops messages whose sender is not the socket's
    // own peer, so its relay only flows server→client: re-broadcast under our own sender id.
    if (!this.#closed) this.#o.cluster.broadcast(message);
  };
  readonly #onChange = (): void => {
    this.#observe(this.#o.clock.now());
    this.#learn();
  };

  #capabilities: string[] | undefined;
  #started = false;

  constructor(options: MembershipOptions) {
    this.#o = options;
    this.#boot = options.boot;
    if (options.capabilities) this.#capabilities = [...options.capabilities].sort();
  }

  /** Publishes what this host can run in its record (written once, and again when it changes). */
  setCapabilities(capabilities: readonly string[]): void {
    const sorted = [...new Set(capabilities)].sort();
    if (this.#capabilities && sorted.join() === this.#capabilities.join()) return;
    this.#capabilities = sorted;
    if (!this.#started || this.#closed) return;
    this.#o.cluster.change((d) => {
      const h = d.hosts[this.#o.hostId];
      if (h) h.capabilities = [...sorted];
    });
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
        ...(this.#capabilities ? { capabilities: [...this.#capabilities] } : {}),
        startedAt: now,
        lastSeen: now,
        peers: [...this.#connected].sort(),
      }),
    );
    this.#lastPersist = now;
    this.#started = true;
    this.#o.cluster.on('change', this.#onChange);
    this.#o.cluster.on('ephemeral-message', this.#onEphemeral);
    this.#schedule();
    this.#learn();
  }

  peerConnected(hostId: string): void {
    if (this.#connected.has(hostId)) return;
    this.#connected.add(hostId);
    this.#o.events.publish({ type: 'peer.connected', at: this.#o.clock.now(), host: hostId });
    this.beat(true);
  }

  peerDisconnected(hostId: string): void {
    if (!this.#connected.delete(hostId)) return;
    this.#o.events.publish({ type: 'peer.disconnected', at: this.#o.clock.now(), host: hostId });
    this.beat(true);
    this.#learn();
  }

  connectedPeers(): ReadonlySet<string> {
    return this.#connected;
  }

  /**
   * A heartbeat: always an ephemeral message to the peers (relayed, not stored), and a change to
   * this host's record only every persistEveryMs or when forced (peers changed) — so liveness is
   * fresh without growing the document's history by one change per host per beat.
   */
  beat(persist = false): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    this.#o.cluster.broadcast({ kh: 'heartbeat', host: this.#o.hostId, boot: this.#boot, seq: ++this.#seq, at: now } satisfies Heartbeat);
    if (!persist && now - this.#lastPersist < this.#o.persistEveryMs) return;
    this.#lastPersist = now;
    this.#o.cluster.change((d) => heartbeat(d, this.#o.hostId, now, [...this.#connected]));
  }

  hosts(): HostView[] {
    const now = this.#o.clock.now();
    const doc = this.#o.cluster.doc();
    return Object.values(doc.hosts)
      .map((h) => {
        const self = h.id === this.#o.hostId;
        const live = this.#live.get(h.id);
        const heardAt = Math.max(this.#observed.get(h.id)?.at ?? -Infinity, live?.at ?? -Infinity);
        const fresh = now - heardAt <= this.#o.staleAfterMs;
        const lastSeen = self ? Math.max(h.lastSeen, this.#lastBeat) : Math.max(h.lastSeen, live?.theirs ?? -Infinity);
        return {
          id: h.id,
          name: h.name,
          address: h.addresses[0] ?? '',
          addresses: [...h.addresses],
          labels: { ...h.labels },
          capacity: { cpus: h.capacity.cpus, memoryBytes: h.capacity.memoryBytes },
          ...(h.capabilities ? { capabilities: [...h.capabilities] } : {}),
          connected: self || this.#connected.has(h.id) || fresh,
          lastSeen: new Date(lastSeen).toISOString(),
          ...(!self && Number.isFinite(heardAt) ? { heardAgoMs: Math.max(0, now - heardAt) } : {}),
          self,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#o.cluster.off('change', this.#onChange);
    this.#o.cluster.off('ephemeral-message', this.#onEphemeral);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#lastBeat = this.#o.clock.now();
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

interface Heartbeat {
  kh: 'heartbeat';
  host: string;
  boot: string;
  seq: number;
  /** The origin host's clock. */
  at: number;
}

function isHeartbeat(m: unknown): m is Heartbeat {
  const h = m as Partial<Heartbeat> | null;
  return typeof h === 'object' && h !== null && h.kh === 'heartbeat' && typeof h.host === 'string' && typeof h.boot === 'string' && typeof h.seq === 'number' && typeof h.at === 'number' && Number.isFinite(h.at);
}
