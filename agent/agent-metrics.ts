/**
 * The agent's series in the metrics registry: events by type, actors (nodes this host reports) by
 * state, node errors, runtime events, workload failures and restarts, connected peers and how long
 * ago each peer was last heard from (sync lag). Fed by the
 * event hub and the runtimes' own event streams; `/metrics` exposes them (agent/observe-routes.ts).
 */
import { MetricsRegistry } from '../common/index.js';
import type { RuntimeAdapter } from '../runtimes/runtime-adapter.js';
import type { EventHub } from './event-hub.js';
import type { HostView } from './membership.js';

export interface AgentMetrics {
  /** This agent's own series (several agents in one process keep theirs apart). */
  readonly registry: MetricsRegistry;
  /** Starts counting the runtimes' events (called when the engine publishes its runtimes). */
  watchRuntimes(runtimes: readonly RuntimeAdapter[]): void;
  close(): void;
}

export function attachAgentMetrics(o: { events: EventHub; hosts: () => HostView[]; hostId: string; registry?: MetricsRegistry }): AgentMetrics {
  const r = o.registry ?? new MetricsRegistry();
  const events = r.counter('khutulun_events_total', 'Agent events published, by type (node.transition, deployment.created, peer.connected, …).');
  const actors = r.gauge('khutulun_actors', 'Actors (nodes owned by this host) by their last lifecycle state.');
  const nodeErrors = r.counter('khutulun_node_errors_total', 'Node transitions into an error state, by deployment.');
  const runtimeEvents = r.counter('khutulun_runtime_events_total', 'Workload state changes reported by the runtimes, by runtime and state.');
  const failures = r.counter('khutulun_runtime_failures_total', 'Workloads a runtime reported failed, by runtime.');
  const restarts = r.counter('khutulun_workload_restarts_total', 'Workload restarts done by the runtime supervisors, by runtime.');
  const peers = r.gauge('khutulun_peers', 'Hosts of the cluster by connectivity as seen from this agent.');
  const lag = r.gauge(
    'khutulun_peer_sync_lag_seconds',
    'Per peer host: seconds since this agent last heard from it (a heartbeat or a change of its record), on this agent\'s clock.',
  );

  const states = new Map<string, string>();
  const unsubscribe = o.events.subscribe((e) => {
    events.inc({ type: e.type });
    if (e.type === 'node.transition' && e.deployment !== undefined && e.node !== undefined && e.to !== undefined) {
      states.set(`${e.deployment}/${e.node}`, e.to);
      if (e.to === 'error' || e.to === 'failed') nodeErrors.inc({ deployment: e.deployment });
    }
    if (e.type === 'deployment.removed' && e.deployment !== undefined) {
      for (const k of [...states.keys()]) if (k.startsWith(`${e.deployment}/`)) states.delete(k);
    }
  });
  const offCollect = r.onCollect(() => {
    const byState = new Map<string, number>();
    for (const s of states.values()) byState.set(s, (byState.get(s) ?? 0) + 1);
    actors.replace([...byState].map(([state, n]) => [{ state }, n]));
    const hosts = o.hosts();
    peers.replace([
      [{ connected: 'true' }, hosts.filter((h) => h.connected && h.id !== o.hostId).length],
      [{ connected: 'false' }, hosts.filter((h) => !h.connected).length],
    ]);
    lag.replace(hosts.filter((h) => h.heardAgoMs !== undefined).map((h) => [{ peer: h.name }, h.heardAgoMs! / 1000]));
  });
  const offRuntimes: Array<() => void> = [];
  const seenRestarts = new Map<string, number>();
  return {
    registry: r,
    watchRuntimes(runtimes) {
      for (const off of offRuntimes.splice(0)) off();
      for (const rt of runtimes) {
        offRuntimes.push(
          rt.subscribe((ev) => {
            const runtime = ev.observed.runtime || rt.name;
            runtimeEvents.inc({ runtime, state: ev.observed.state });
            if (ev.observed.state === 'failed') failures.inc({ runtime });
            const count = ev.observed.restarts ?? 0;
            const before = seenRestarts.get(ev.workload) ?? 0;
            if (count > before) restarts.inc({ runtime }, count - before);
            seenRestarts.set(ev.workload, count);
          }),
        );
      }
    },
    close() {
      unsubscribe();
      offCollect();
      for (const off of offRuntimes.splice(0)) off();
    },
  };
}
