/**
 * A few dozen nodes and relationships deploy and undeploy in dependency order through the REAL
 * built-in khutulun.noop Wasm plugin (piscina pool) on the noop runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostEngine, MemoryActorStore } from '../../../actors/index.js';
import type { InspectionEvent } from '../../../actors/index.js';
import type { PluginHost } from '../../../plugins/host/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import { layeredGraph } from './helpers.js';
import { wasmNoopHost } from './wasm-noop.js';

/** Workload ids may be qualified by the deployment (`d/<vertex>`) or not, depending on the plugin. */
const bare = (workload: string): string => (workload.startsWith('d/') ? workload.slice(2) : workload);

let host: PluginHost;
beforeAll(async () => {
  host = await wasmNoopHost();
});
afterAll(async () => {
  await host?.close();
});

describe('deployment through real Wasm plugins', () => {
  it('deploys 36 nodes / 60 relationships in waves and undeploys them in reverse', async () => {
    const graph = layeredGraph(6, 6, 'khutulun.noop');
    // Relationship handlers run real Wasm calls too (configure returns no effects).
    for (const e of graph.edges) for (const ev of ['Configure.pre_configure_source', 'Configure.add_target']) e.handlers[ev] = ['khutulun.noop:configure'];
    const store = new MemoryActorStore();
    store.put('d', graph);
    const noop = new NoopRuntime();
    const engine = new HostEngine({ hostId: 'h1', store, plugins: host, runtimes: [noop] });
    const events: InspectionEvent[] = [];
    engine.inspect((e) => events.push(e));

    const up = await engine.deploy('d');
    expect(up.error).toBeUndefined();
    expect(up.ok).toBe(true);
    expect(up.waves.length).toBe(6);
    expect(graph.vertexes.every((v) => store.status('d', v.id)?.state === 'started')).toBe(true);
    expect((await noop.list()).map((w) => bare(w.id)).sort()).toEqual(graph.vertexes.map((v) => v.id).sort());
    const first = (to: string, v: string): number => events.findIndex((e) => e.vertex === v && e.to === to);
    for (const e of graph.edges) expect(first('started', e.target)).toBeLessThan(first('creating', e.source));

    const down = await engine.undeploy('d');
    expect(down.ok).toBe(true);
    expect(graph.vertexes.every((v) => store.status('d', v.id)?.state === 'deleted')).toBe(true);
    expect(await noop.list()).toEqual([]);
    for (const e of graph.edges) expect(first('deleted', e.source)).toBeLessThan(first('stopping', e.target));
    // Each workload was ensured exactly once and removed (stop, then an idempotent delete).
    const ensures = noop.entries.filter((x) => x.action === 'ensure');
    expect(ensures.length).toBe(36);
    expect(new Set(ensures.map((x) => bare(x.workload))).size).toBe(36);
    await engine.close();
  });
});
