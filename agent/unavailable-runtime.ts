/**
 * Stands in for a container engine whose API did not answer when the host opened, so a Container
 * node fails with an actionable, coded error (instead of "no runtime adapter named podman") while
 * processes still run. Nothing can be started or removed through it: remove fails retryable, so
 * the store keeps the node until the engine answers again.
 */
import { KhutulunError } from '../common/index.js';
import type { ObservedWorkload, WorkloadId } from '../runtimes/workload.js';
import type { RuntimeAdapter, RuntimeEvent } from '../runtimes/runtime-adapter.js';

export class UnavailableRuntime implements RuntimeAdapter {
  readonly name: string;
  readonly #socket: string;

  constructor(name: string, socket: string) {
    this.name = name;
    this.#socket = socket;
  }

  #error(id: WorkloadId): KhutulunError {
    return new KhutulunError('KH-AGENT-RUNTIME-DOWN', `${this.name} is not reachable on this host (API socket ${this.#socket} did not answer at start), so ${id} cannot run`, {
      hint: `start the ${this.name} API service (\`podman system service --time=0 unix://${this.#socket}\`) or point KH_PODMAN_SOCKET at a live socket, then run up again`,
      retryable: true,
    });
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  ensure(id: WorkloadId): Promise<ObservedWorkload> {
    return Promise.reject(this.#error(id));
  }

  /** Unknown: nothing is reported as running (the owner then tries ensure, which says why not). */
  observe(): Promise<ObservedWorkload | undefined> {
    return Promise.resolve(undefined);
  }

  remove(id: WorkloadId): Promise<void> {
    return Promise.reject(this.#error(id));
  }

  list(): Promise<ObservedWorkload[]> {
    return Promise.resolve([]);
  }

  subscribe(_listener: (event: RuntimeEvent) => void): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
