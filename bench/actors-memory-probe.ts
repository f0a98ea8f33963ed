/**
 * Runs in its own process (spawned by actors-memory.ts) so the RSS it reports holds only what the
 * actor layer loads, not every other benchmark's modules. Prints one JSON line.
 *   node --expose-gc --import tsx bench/actors-memory-probe.ts <deployments> <perDeployment>
 */
import { HostEngine, MemoryActorStore } from '../actors/index.js';
import type { PluginCall, PluginCallResult, PluginHostLike } from '../plugins/host/index.js';
import { NoopRuntime } from '../runtimes/noop/index.js';
import { benchGraph } from './pipeline-graph.js';

function settleGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
}

const deployments = Number(process.argv[2] ?? 10);
const perDeployment = Number(process.argv[3] ?? 1000);
const store = new MemoryActorStore();
const names = Array.from({ length: deployments }, (_, i) => `d${i}`);
for (const name of names) store.put(name, benchGraph(name, perDeployment, 4));
// A minimal in-process plugin host: the actors do not hold the Wasm host, so it is not measured.
const plugins: PluginHostLike = {
  register: async () => {},
  describe: () => undefined,
  call: async (): Promise<PluginCallResult> => ({ ok: true, effects: [] }),
  callBatch: async (calls: readonly PluginCall[]): Promise<PluginCallResult[]> => calls.map(() => ({ ok: true, effects: [] })),
  close: async () => {},
};
settleGc();
const before = process.memoryUsage();
const engine = new HostEngine({ hostId: 'bench', store, plugins, runtimes: [new NoopRuntime()] });
await engine.start();
for (const n of names) {
  const r = await engine.deploy(n);
  if (!r.ok) throw new Error(`deploy failed: ${r.error?.message}`);
}
settleGc();
const after = process.memoryUsage();
process.stdout.write(JSON.stringify({ actors: engine.actorCount, before, after, gc: typeof (globalThis as { gc?: unknown }).gc === 'function' }) + '\n');
await engine.close();
