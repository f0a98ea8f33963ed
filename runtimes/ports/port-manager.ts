/**
 * PortManager: reserves ports for the workloads of one host. The pure ledger decides, the probe
 * confirms the port is really free on this host, the store records the reservation durably.
 */
import type { Clock, Random } from '../../common/index.js';
import { KhutulunError, systemClock, systemRandom } from '../../common/index.js';
import type { PortSpec, WorkloadId } from '../workload.js';
import { allocatePort, DEFAULT_PORT_RANGE, PortErrorCode, releaseWorkload, resolveEndpoint } from './port-ledger.js';
import type { PortEndpoint, PortRange, PortReservation } from './port-ledger.js';
import { probePort } from './port-probe.js';
import type { PortProbe } from './port-probe.js';
import type { PortReservationStore } from './port-store.js';

export interface PortManagerOptions {
  host: string;
  store: PortReservationStore;
  range?: PortRange;
  probe?: PortProbe;
  clock?: Clock;
  random?: Random;
  /** How many busy candidates to skip before giving up (bounded loop). */
  maxProbes?: number;
}

export class PortManager {
  readonly host: string;
  readonly #options: PortManagerOptions;
  readonly #range: PortRange;

  constructor(options: PortManagerOptions) {
    this.host = options.host;
    this.#options = options;
    this.#range = options.range ?? DEFAULT_PORT_RANGE;
  }

  /** Reserves one port of a workload; idempotent per (workload, name, protocol). */
  async reserve(workload: WorkloadId, port: Pick<PortSpec, 'name' | 'protocol' | 'hostPort'>): Promise<PortReservation> {
    const probe = this.#options.probe ?? probePort;
    const clock = this.#options.clock ?? systemClock;
    const random = this.#options.random ?? systemRandom;
    const busy = new Set<number>();
    const size = this.#range.max - this.#range.min + 1;
    // A random start spreads hosts' allocations and avoids retrying the same busy port first.
    const startAt = this.#range.min + Math.floor(random.next() * size);
    const maxProbes = this.#options.maxProbes ?? 64;
    for (let attempt = 0; attempt <= maxProbes; attempt++) {
      const reservation = await this.#options.store.update((ledger) => {
        const r = allocatePort(
          ledger,
          {
            host: this.host,
            workload,
            name: port.name,
            protocol: port.protocol,
            ...(port.hostPort ? { preferred: port.hostPort } : {}),
          },
          { now: clock.now(), range: this.#range, busy, startAt },
        );
        return { ledger: r.ledger, result: r.reservation };
      });
      if (await probe(reservation.port, reservation.protocol)) return reservation;
      // Busy outside our ledger: drop the reservation and try the next candidate.
      await this.#options.store.update((ledger) => {
        const entries = { ...(ledger.hosts[this.host] ?? {}) };
        delete entries[`${reservation.protocol}/${reservation.port}`];
        return { ledger: { hosts: { ...ledger.hosts, [this.host]: entries } }, result: undefined };
      });
      if (port.hostPort) {
        // A fixed port that something else holds: say so rather than silently moving.
        throw new KhutulunError(PortErrorCode.taken, `${port.protocol} port ${port.hostPort} on host ${this.host} is in use outside Khutulun`, {
          retryable: true,
          hint: 'stop what listens there or leave hostPort unset so a free port is chosen',
          details: { host: this.host, port: port.hostPort, protocol: port.protocol },
        });
      }
      busy.add(reservation.port);
    }
    throw new KhutulunError(PortErrorCode.exhausted, `found no free ${port.protocol} port on host ${this.host} after ${maxProbes} busy candidates`, {
      retryable: true,
      hint: 'the port range is crowded by other programs; widen or move it',
    });
  }

  /** Fills hostPort of every port of a spec with a reservation. */
  async reserveAll(workload: WorkloadId, ports: readonly PortSpec[]): Promise<PortSpec[]> {
    const out: PortSpec[] = [];
    for (const p of ports) {
      const r = await this.reserve(workload, p);
      out.push({ ...p, hostPort: r.port });
    }
    return out;
  }

  async release(workload: WorkloadId): Promise<PortReservation[]> {
    return this.#options.store.update((ledger) => {
      // Only this host's slice: other hosts release their own reservations (single writer).
      const r = releaseWorkload(ledger, workload, this.host);
      return { ledger: r.ledger, result: r.released };
    });
  }

  async endpoint(workload: WorkloadId, name: string, addressOf: (host: string) => string | undefined): Promise<PortEndpoint> {
    return resolveEndpoint(await this.#options.store.load(), workload, name, addressOf);
  }
}
