/**
 * One engine event stream shared by every subscriber. Our containers' events trigger an inspect and
 * a RuntimeEvent; a dropped stream is reopened with bounded backoff (the engine may be restarting).
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { RuntimeEvent } from '../runtime-adapter.js';
import type { DockerApiLike, EngineEvent } from './docker-api.js';

/** Actions after which the observed state may have changed. */
const RELEVANT = new Set(['create', 'start', 'restart', 'die', 'stop', 'kill', 'oom', 'destroy', 'remove', 'pause', 'unpause', 'health_status', 'died']);

export interface EventFeedOptions {
  api: DockerApiLike;
  clock: Clock;
  /** Label that marks our containers, and the value of this host. */
  managedLabel: string;
  hostLabel: string;
  hostId: string;
  workloadLabel: string;
  /** Inspects and maps; undefined = gone. */
  observe: (containerId: string, workload: string) => Promise<RuntimeEvent | undefined>;
  onError?: (error: unknown) => void;
  maxReconnects?: number;
}

export class EventFeed {
  readonly #options: EventFeedOptions;
  readonly #listeners = new Set<(event: RuntimeEvent) => void>();
  #stop: (() => void) | undefined;
  #opening = false;
  #reconnects = 0;
  #timer: TimerHandle | undefined;

  constructor(options: EventFeedOptions) {
    this.#options = options;
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) void this.#open();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.close();
    };
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#stop?.();
    this.#stop = undefined;
  }

  async #open(): Promise<void> {
    if (this.#opening || this.#stop) return;
    this.#opening = true;
    try {
      const stop = await this.#options.api.events(
        (event) => void this.#handle(event),
        (error) => this.#ended(error),
      );
      if (this.#listeners.size === 0) stop();
      else {
        this.#stop = stop;
        this.#reconnects = 0;
      }
    } catch (error) {
      this.#ended(error);
    } finally {
      this.#opening = false;
    }
  }

  #ended(error: unknown): void {
    this.#stop = undefined;
    if (error !== undefined) this.#options.onError?.(error);
    if (this.#listeners.size === 0) return;
    const max = this.#options.maxReconnects ?? 20;
    if (this.#reconnects >= max) return;
    const delay = Math.min(30_000, 250 * 2 ** this.#reconnects++);
    this.#timer = this.#options.clock.setTimeout(() => void this.#open(), delay);
  }

  async #handle(event: EngineEvent): Promise<void> {
    const action = (event.Action ?? event.status ?? '').split(':')[0] ?? '';
    if (event.Type !== undefined && event.Type !== 'container') return;
    if (!RELEVANT.has(action)) return;
    const attributes = event.Actor?.Attributes ?? {};
    const o = this.#options;
    // Engines copy container labels into the event attributes: filter to ours on this host.
    if (attributes[o.managedLabel] !== 'true' || attributes[o.hostLabel] !== o.hostId) return;
    const workload = attributes[o.workloadLabel];
    const id = event.Actor?.ID ?? event.id;
    if (!workload || !id) return;
    try {
      const runtimeEvent = await o.observe(id, workload);
      if (!runtimeEvent) return;
      for (const listener of this.#listeners) listener(runtimeEvent);
    } catch (error) {
      o.onError?.(error);
    }
  }
}
