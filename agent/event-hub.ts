/**
 * The inspection stream: actor transitions and agent happenings fan out to `/v1/events` clients.
 * Bounded on both sides: a short replay buffer for late subscribers, and slow subscribers lose
 * events (counted) instead of growing memory.
 */
export interface AgentEvent {
  /** e.g. `node.transition`, `deployment.created`, `peer.connected`. */
  type: string;
  /** Clock time (ms since epoch). */
  at: number;
  deployment?: string;
  node?: string;
  host?: string;
  from?: string;
  to?: string;
  message?: string;
}

export type EventListener = (event: AgentEvent) => void;

export class EventHub {
  readonly #listeners = new Set<EventListener>();
  readonly #recent: AgentEvent[] = [];
  readonly #keep: number;

  constructor(keep = 256) {
    this.#keep = keep;
  }

  publish(event: AgentEvent): void {
    this.#recent.push(event);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // One broken subscriber must not stop the others (or the publisher).
      }
    }
  }

  /** Subscribes; `replay` first delivers the buffered recent events. Returns the unsubscribe. */
  subscribe(listener: EventListener, replay = false): () => void {
    if (replay) for (const e of [...this.#recent]) listener(e);
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  recent(): AgentEvent[] {
    return [...this.#recent];
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}
