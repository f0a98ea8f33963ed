/** The inspection stream: one event per actor transition, for tests, the CLI and the live page. */
import type { ErrorData } from '../../common/index.js';
import type { ActorEventType, LifecyclePhase } from '../logic/index.js';

export interface InspectionEvent {
  /** `<deployment>/<vertex>`. */
  actor: string;
  deployment: string;
  vertex: string;
  /** The actor event, or `delivered`: an emitted event ran on the vertex (no transition; reason says which). */
  event: ActorEventType | 'delivered';
  from: LifecyclePhase;
  to: LifecyclePhase;
  /** ms since epoch from the injected Clock. */
  at: number;
  reason: string;
  error?: ErrorData;
}

export type InspectionListener = (event: InspectionEvent) => void;

export class Inspector {
  readonly #listeners = new Set<InspectionListener>();

  subscribe(listener: InspectionListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  get active(): boolean {
    return this.#listeners.size > 0;
  }

  emit(event: InspectionEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken observer must not break the actor that reported to it.
      }
    }
  }
}
