/**
 * cluster.sync.actor — a change on host A observed by an ACTOR on host B, end to end on the
 * production path: two real agents on loopback (store in each agent's Repo, the ownership keeper,
 * the reconciler, the real Wasm noop plugin, the noop runtime). `base` runs on A, `top` on B and
 * requires base. A sample is the time from A's actor reaching `started` (its status write) to B's
 * actor for top leaving `initial`: store batching on A, document sync, B's store change events,
 * B's reconcile step, and the actor's first transition. Baseline: one isolated change between two
 * bare automerge-repo peers (the same adapters), measured in the same run.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { clusterEngine } from '../agent/cluster-engine.js';
import { startAgent } from '../agent/index.js';
import type { Agent } from '../agent/index.js';
import { PluginHost, builtinPlugins } from '../plugins/index.js';
import { NoopRuntime } from '../runtimes/noop/index.js';
import { bareLatency } from './cluster-sync.js';
import { percentile, withBaseline } from './types.js';
import type { Benchmark, BenchResult } from './types.js';

const TOKEN = 'bench-token-0123456789';
const SOURCE = `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    base: { type: Root, properties: { host_labels: { zone: a } } }
    top: { type: Root, properties: { host_labels: { zone: b } }, requirements: [ { dependency: base } ] }
`;

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

export const clusterSyncActor: Benchmark = {
  name: 'cluster.sync.actor',
  async run(ctx) {
    const samples = ctx.quick ? 10 : 40;
    const base = await bareLatency(samples * 2);
    const plugins = await PluginHost.create({ threads: 1, callTimeoutMs: 5000 });
    for (const p of builtinPlugins()) await plugins.register({ id: p.id, url: p.path });
    const engines: { close(): Promise<void> }[] = [];
    const agents: Agent[] = [];
    try {
      for (const zone of ['a', 'b']) {
        const dir = mkdtempSync(join(ctx.tmpDir, `host-${zone}-`));
        const engine = clusterEngine({ stateDir: dir, local: { plugins, runtimes: [new NoopRuntime({})] } });
        engines.push(engine);
        const peers = agents.map((a) => a.address);
        agents.push(await startAgent({ name: `bench-${zone}`, listen: '127.0.0.1:0', token: TOKEN, stateDir: dir, labels: { zone }, heartbeatMs: 1000, peers, engine: engine.factory }));
      }
      const [a, b] = agents as [Agent, Agent];
      for (let i = 0; i < 200 && a.hosts().filter((h) => h.connected).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const name = `hop-${i}`;
        let startedAtA = 0;
        const seenOnB = new Promise<number>((resolve) => {
          const offA = a.events.subscribe((e) => {
            if (e.deployment === name && e.type === 'node.transition' && e.node === 'nodes/base' && e.to === 'started') startedAtA = performance.now();
          });
          const offB = b.events.subscribe((e) => {
            if (e.deployment === name && e.type === 'node.transition' && e.node === 'nodes/top' && e.from === 'initial') {
              offA();
              offB();
              resolve(performance.now());
            }
          });
        });
        await a.deployments.deploy({ name, source: SOURCE, inputs: {} });
        const t = await bounded(seenOnB, 30_000, `top of ${name} to start on B`);
        if (startedAtA === 0) throw new Error('base did not start on A before top left initial on B');
        times.push(t - startedAtA);
        await a.deployments.undeploy(name);
      }
      times.sort((x, y) => x - y);
      const out: BenchResult[] = [];
      for (const p of [50, 99]) {
        out.push(
          withBaseline(
            { name: `cluster.sync.actor.p${p}`, value: Number(percentile(times, p).toFixed(3)), unit: 'ms', extra: { samples, path: 'A actor started -> status write -> sync -> B reconcile -> B actor' } },
            { name: `bare-automerge-repo.p${p}`, value: Number(percentile(base, p).toFixed(3)), unit: 'ms' },
          ),
        );
      }
      return out;
    } finally {
      await Promise.all(agents.map((x) => x.close()));
      for (const e of engines) await e.close();
      await plugins.close();
    }
  },
};
