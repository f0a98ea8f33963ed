/**
 * The pure port allocator. A ledger records, per host, which TCP/UDP ports are reserved and for
 * which workload port. Ports are a per-host resource, so reservations are keyed by host id: the same
 * number on two hosts is two different ports.
 *
 * Merge rule (replicas of a ledger that diverged, e.g. one host's record written from two places
 * during a partition): take the union; when two reservations claim the same (host, protocol, port),
 * or one (host, workload, port name) holds two ports, keep the one that sorts first by
 * (reservedAt, workload, name, protocol, port) and report the others as losers — their owner must
 * re-allocate. The rule is a deterministic function of the union, so every replica agrees, and the
 * result never holds one port twice.
 */
import { KhutulunError } from '../../common/index.js';
import type { WorkloadId } from '../workload.js';

export type PortProtocol = 'tcp' | 'udp';

export interface PortReservation {
  host: string;
  protocol: PortProtocol;
  port: number;
  workload: WorkloadId;
  /** The workload's logical port name (`http`). */
  name: string;
  /** Clock time of the reservation (ms); older wins a conflict. */
  reservedAt: number;
}

/** host id → `tcp/8080` → reservation. Plain JSON, so it can live in any store. */
export interface PortLedger {
  hosts: Record<string, Record<string, PortReservation>>;
}

export interface PortRange {
  min: number;
  max: number;
}

export const DEFAULT_PORT_RANGE: PortRange = { min: 20000, max: 29999 };

export const PortErrorCode = {
  taken: 'KH-PORT-001',
  exhausted: 'KH-PORT-002',
  badRequest: 'KH-PORT-003',
  corruptRecord: 'KH-PORT-004',
  notFound: 'KH-PORT-005',
} as const;

export function emptyLedger(): PortLedger {
  return { hosts: {} };
}

export function portKey(protocol: PortProtocol, port: number): string {
  return `${protocol}/${port}`;
}

export interface AllocationRequest {
  host: string;
  workload: WorkloadId;
  name: string;
  protocol: PortProtocol;
  /** A fixed port the workload asks for; absent = any free port in range. */
  preferred?: number;
}

export interface AllocationOptions {
  now: number;
  range?: PortRange;
  /** Ports known to be busy on the host (found by probing); never handed out. */
  busy?: ReadonlySet<number>;
  /** First candidate to try (spreads allocations; default range.min). */
  startAt?: number;
}

function validRange(range: PortRange): boolean {
  return Number.isInteger(range.min) && Number.isInteger(range.max) && range.min >= 1 && range.max <= 65535 && range.min <= range.max;
}

export function findReservation(
  ledger: PortLedger,
  host: string,
  workload: WorkloadId,
  name: string,
  protocol?: PortProtocol,
): PortReservation | undefined {
  return Object.values(ledger.hosts[host] ?? {}).find(
    (r) => r.workload === workload && r.name === name && (protocol === undefined || r.protocol === protocol),
  );
}

function withReservation(ledger: PortLedger, reservation: PortReservation): PortLedger {
  const hostEntries = { ...(ledger.hosts[reservation.host] ?? {}) };
  hostEntries[portKey(reservation.protocol, reservation.port)] = reservation;
  return { hosts: { ...ledger.hosts, [reservation.host]: hostEntries } };
}

/**
 * Reserves a port. Idempotent: the same (host, workload, name, protocol) gets its existing port back.
 * Throws KH-PORT-001 when a preferred port is held by someone else, KH-PORT-002 when the range is full.
 */
export function allocatePort(
  ledger: PortLedger,
  request: AllocationRequest,
  options: AllocationOptions,
): { ledger: PortLedger; reservation: PortReservation } {
  const range = options.range ?? DEFAULT_PORT_RANGE;
  if (!validRange(range)) {
    throw new KhutulunError(PortErrorCode.badRequest, `port range ${range.min}-${range.max} is invalid`, {
      hint: 'use integers with 1 <= min <= max <= 65535',
    });
  }
  if (!request.host || !request.workload || !request.name || (request.protocol !== 'tcp' && request.protocol !== 'udp')) {
    throw new KhutulunError(PortErrorCode.badRequest, 'a port request needs host, workload, name and protocol tcp|udp', {
      hint: 'fill in every field of the request',
      details: { ...request },
    });
  }
  const existing = findReservation(ledger, request.host, request.workload, request.name, request.protocol);
  if (existing && (request.preferred === undefined || request.preferred === existing.port)) {
    return { ledger, reservation: existing };
  }
  const taken = ledger.hosts[request.host] ?? {};
  const make = (port: number): PortReservation => ({
    host: request.host,
    protocol: request.protocol,
    port,
    workload: request.workload,
    name: request.name,
    reservedAt: options.now,
  });
  const release = (l: PortLedger): PortLedger => (existing ? releaseReservation(l, existing) : l);
  if (request.preferred !== undefined) {
    const p = request.preferred;
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      throw new KhutulunError(PortErrorCode.badRequest, `port ${p} is not a valid port number`, { hint: 'use 1..65535' });
    }
    const holder = taken[portKey(request.protocol, p)];
    if ((holder && (holder.workload !== request.workload || holder.name !== request.name)) || options.busy?.has(p)) {
      throw new KhutulunError(PortErrorCode.taken, `${request.protocol} port ${p} on host ${request.host} is already in use`, {
        retryable: true,
        hint: holder ? `held by ${holder.workload} (${holder.name}); choose another port or leave it unset` : 'something outside Khutulun listens there; choose another port',
        details: { host: request.host, port: p, protocol: request.protocol, ...(holder ? { holder: holder.workload } : {}) },
      });
    }
    const reservation = make(p);
    return { ledger: withReservation(release(ledger), reservation), reservation };
  }
  const size = range.max - range.min + 1;
  const start = options.startAt !== undefined && options.startAt >= range.min && options.startAt <= range.max ? options.startAt : range.min;
  for (let i = 0; i < size; i++) {
    const port = range.min + ((start - range.min + i) % size);
    if (taken[portKey(request.protocol, port)] || options.busy?.has(port)) continue;
    const reservation = make(port);
    return { ledger: withReservation(release(ledger), reservation), reservation };
  }
  throw new KhutulunError(PortErrorCode.exhausted, `no free ${request.protocol} port left in ${range.min}-${range.max} on host ${request.host}`, {
    retryable: true,
    hint: 'release ports of removed workloads or widen the port range',
  });
}

export function releaseReservation(ledger: PortLedger, reservation: PortReservation): PortLedger {
  const entries = ledger.hosts[reservation.host];
  const key = portKey(reservation.protocol, reservation.port);
  if (!entries?.[key]) return ledger;
  const { [key]: _removed, ...rest } = entries;
  return { hosts: { ...ledger.hosts, [reservation.host]: rest } };
}

/** Releases every port of a workload (on one host, or on every host when `host` is absent). */
export function releaseWorkload(
  ledger: PortLedger,
  workload: WorkloadId,
  host?: string,
): { ledger: PortLedger; released: PortReservation[] } {
  const released: PortReservation[] = [];
  let next = ledger;
  for (const [h, entries] of Object.entries(ledger.hosts)) {
    if (host !== undefined && h !== host) continue;
    for (const r of Object.values(entries)) {
      if (r.workload === workload) {
        released.push(r);
        next = releaseReservation(next, r);
      }
    }
  }
  return { ledger: next, released };
}

/** The total order the merge rule uses: earlier reservation first, then stable tie-breakers. */
export function compareReservations(a: PortReservation, b: PortReservation): number {
  if (a.reservedAt !== b.reservedAt) return a.reservedAt - b.reservedAt;
  const fields: (keyof PortReservation)[] = ['workload', 'name', 'protocol', 'host'];
  for (const f of fields) {
    const x = String(a[f]);
    const y = String(b[f]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.port - b.port;
}

function sameReservation(a: PortReservation, b: PortReservation): boolean {
  return compareReservations(a, b) === 0;
}

/**
 * Merges ledgers by the rule in the header comment. Commutative and idempotent; apply it to all
 * replicas at once (it is a function of the union, not a pairwise fold).
 */
export function mergeLedgers(...ledgers: PortLedger[]): { ledger: PortLedger; losers: PortReservation[] } {
  const all: PortReservation[] = [];
  for (const l of ledgers) for (const entries of Object.values(l.hosts)) for (const r of Object.values(entries)) {
    if (!all.some((x) => sameReservation(x, r))) all.push(r);
  }
  all.sort(compareReservations);
  const byPort = new Set<string>();
  const byOwner = new Set<string>();
  const losers: PortReservation[] = [];
  let merged = emptyLedger();
  for (const r of all) {
    const portId = `${r.host}\0${portKey(r.protocol, r.port)}`;
    const ownerId = `${r.host}\0${r.workload}\0${r.name}\0${r.protocol}`;
    if (byPort.has(portId) || byOwner.has(ownerId)) {
      losers.push(r);
      continue;
    }
    byPort.add(portId);
    byOwner.add(ownerId);
    merged = withReservation(merged, r);
  }
  return { ledger: merged, losers };
}

/** Where the other end of a connection finds a workload's port. */
export interface PortEndpoint {
  host: string;
  address: string;
  port: number;
  protocol: PortProtocol;
}

export function resolveEndpoint(
  ledger: PortLedger,
  workload: WorkloadId,
  name: string,
  addressOf: (host: string) => string | undefined,
): PortEndpoint {
  for (const [host, entries] of Object.entries(ledger.hosts)) {
    const r = Object.values(entries).find((x) => x.workload === workload && x.name === name);
    if (!r) continue;
    const address = addressOf(host);
    if (!address) {
      throw new KhutulunError(PortErrorCode.notFound, `host ${host} of ${workload} has no known address`, {
        retryable: true,
        hint: 'the host has not announced its address yet; retry after it joins',
      });
    }
    return { host, address, port: r.port, protocol: r.protocol };
  }
  throw new KhutulunError(PortErrorCode.notFound, `${workload} has no reserved port named ${name}`, {
    retryable: true,
    hint: 'the target workload has not been placed or started yet; retry later',
  });
}
