/** The runtime adapters of this host, by the name intents use (`process`, `podman`, `noop`, …). */
import type { RuntimeAdapter } from '../../runtimes/runtime-adapter.js';
import { ActorErrorCode, actorError } from '../errors.js';

export class RuntimeRegistry {
  readonly #adapters = new Map<string, RuntimeAdapter>();

  constructor(adapters: Iterable<RuntimeAdapter> = []) {
    for (const a of adapters) this.register(a);
  }

  register(adapter: RuntimeAdapter): void {
    this.#adapters.set(adapter.name, adapter);
  }

  get(name: string): RuntimeAdapter {
    const adapter = this.#adapters.get(name);
    if (!adapter) {
      throw actorError(ActorErrorCode.unknownRuntime, `no runtime adapter named ${JSON.stringify(name)} on this host`, {
        hint: `register it with the HostEngine (known: ${[...this.#adapters.keys()].join(', ') || 'none'})`,
      });
    }
    return adapter;
  }

  all(): RuntimeAdapter[] {
    return [...this.#adapters.values()];
  }
}
