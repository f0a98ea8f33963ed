/** What the scheduler knows about one host (a row of the cluster document). */
import type { HostId } from './ids.js';
import type { Resources } from './resources.js';

/**
 * ready: connected, takes new work. disconnected: silent for less than lostAfter, keeps its work,
 * takes none. lost: silent for lostAfter or more (see ownership/disconnect-policy.ts); its work may
 * be re-placed only when the disconnect policy says `replace`. draining: connected, takes no new work.
 */
export type HostStatus = 'ready' | 'disconnected' | 'lost' | 'draining';

export interface HostInfo {
  readonly id: HostId;
  readonly labels: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly capacity: Resources;
  readonly status: HostStatus;
  /** ms since the epoch of the last heartbeat seen from this host (information for explanations). */
  readonly lastSeen?: number;
  /** Load not accounted for by the placements in the state (e.g. work Khutulun does not manage). */
  readonly load?: Resources;
}
