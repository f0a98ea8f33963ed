/**
 * Child process for the crash test: runs a HostEngine on a store file and a journaled noop runtime.
 *   node --import tsx restart-child.ts <store> <journal.jsonl> deploy <delayMs>
 *   node --import tsx restart-child.ts <store> <journal.jsonl> finish
 * <store> is a directory (the Automerge store, store/) or a `.json` file (FileActorStore).
 * Prints one JSON line per transition, then a final `{"done": ...}` line.
 */
import { FileActorStore, FloriaActorStore, HostEngine } from '../../../actors/index.js';
import type { ActorStorePort } from '../../../actors/index.js';
import { openStore } from '../../../store/index.js';
import type { WorkloadId, WorkloadSpec, ObservedWorkload } from '../../../runtimes/workload.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import { wasmNoopHost } from './wasm-noop.js';

class SlowNoop extends NoopRuntime {
  constructor(journal: string, readonly delayMs: number) {
    super({ journal });
  }
  override async ensure(id: WorkloadId, spec: WorkloadSpec): Promise<ObservedWorkload> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return super.ensure(id, spec);
  }
}

const [storePath, journalPath, mode, delay] = process.argv.slice(2);
if (!storePath || !journalPath || (mode !== 'deploy' && mode !== 'finish')) {
  process.stderr.write('usage: restart-child.ts <store.json> <journal.jsonl> deploy|finish [delayMs]\n');
  process.exit(2);
}
const out = (value: unknown): void => void process.stdout.write(JSON.stringify(value) + '\n');

const floria = storePath.endsWith('.json') ? undefined : await openStore({ hostId: 'h1', dir: storePath });
const store: ActorStorePort = floria ? new FloriaActorStore(floria) : new FileActorStore(storePath);
const noop = new SlowNoop(journalPath, Number(delay ?? 0));
const plugins = await wasmNoopHost(1);
const engine = new HostEngine({ hostId: 'h1', store, plugins, runtimes: [noop] });
engine.inspect((e) => out({ vertex: e.vertex, event: e.event, from: e.from, to: e.to }));
out({ ready: true });
await engine.start();
const deployed = await engine.deploy('d');
out({ deployed: deployed.ok, error: deployed.error?.message });
if (mode === 'finish') {
  const undeployed = await engine.undeploy('d');
  out({ undeployed: undeployed.ok, error: undeployed.error?.message });
}
await engine.close();
await store.close();
await floria?.close();
await plugins.close();
await noop.close();
out({ done: true });
