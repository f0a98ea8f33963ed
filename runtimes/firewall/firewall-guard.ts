/**
 * Opens a workload's guarded ports while it runs and closes them when it stops. Only ports that
 * name a firewallZone are guarded; the host port must already be reserved (runtimes/ports).
 */
import type { PortSpec } from '../workload.js';
import type { FirewallCallOptions, FirewallLike, FirewallPortRule } from './firewalld-client.js';

export function guardedRules(ports: readonly PortSpec[] | undefined): FirewallPortRule[] {
  return (ports ?? [])
    .filter((p) => p.firewallZone !== undefined && p.hostPort !== undefined && p.hostPort > 0)
    .map((p) => ({ port: p.hostPort!, protocol: p.protocol, zone: p.firewallZone! }));
}

export class FirewallGuard {
  readonly #firewall: FirewallLike;
  readonly #options: FirewallCallOptions;

  constructor(firewall: FirewallLike, options: FirewallCallOptions = {}) {
    this.#firewall = firewall;
    this.#options = options;
  }

  /** Opens every guarded port; on failure closes the ones it opened, then rethrows. */
  async open(ports: readonly PortSpec[] | undefined): Promise<FirewallPortRule[]> {
    const opened: FirewallPortRule[] = [];
    try {
      for (const rule of guardedRules(ports)) {
        await this.#firewall.addPort(rule, this.#options);
        opened.push(rule);
      }
      return opened;
    } catch (error) {
      for (const rule of opened.reverse()) await this.#firewall.removePort(rule, this.#options).catch(() => undefined);
      throw error;
    }
  }

  /** Closes every guarded port (best effort for all, first error rethrown at the end). */
  async close(ports: readonly PortSpec[] | undefined): Promise<void> {
    let first: unknown;
    for (const rule of guardedRules(ports)) {
      try {
        await this.#firewall.removePort(rule, this.#options);
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }
}
