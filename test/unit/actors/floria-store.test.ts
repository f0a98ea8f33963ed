/**
 * The engine on the REAL store (Automerge, persisted to disk): a template of a few dozen nodes and
 * relationships built through the store API deploys in dependency order; the states are visible
 * through the store API; a new engine on the reopened store resumes from them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloriaActorStore, HostEngine } from '../../../actors/index.js';
import { seededRandom } from '../../../common/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';
import { openStore } from '../../../store/index.js';
import type { Store } from '../../../store/index.js';
import { fakeLifecyclePlugin, LIFECYCLE } from './helpers.js';

let dir = '';
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function buildTemplate(store: Store, layers: number, width: number): Promise<void> {
  const dep = await store.createDeployment('web');
  const handlers = Object.fromEntries(LIFECYCLE.map((e) => [e, [{ fn: `test.life:${e.slice('Standard.'.length)}` }]]));
  for (let l = 0; l < layers; l++) {
    for (let w = 0; w < width; w++) {
      void dep.create('vertex', { id: `web/n${l}-${w}`, handlers, properties: { layer: { value: BigInt(l) } } });
    }
  }
  for (let l = 1; l < layers; l++) {
    for (let w = 0; w < width; w++) {
      void dep.create('edge', { id: `web/e${l}-${w}`, source: `web/n${l}-${w}`, target: `web/n${l - 1}-${w}`, handlers: { 'Configure.add_target': [{ fn: 'test.life:rel' }] } });
    }
  }
  await dep.flush();
}

describe('HostEngine on the Automerge store', () => {
  it('deploys a store-built template, shows states through the store API, resumes after reopening', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-actors-floria-'));
    const store = await openStore({ hostId: 'h1', dir, random: seededRandom(3) });
    stores.push(store);
    await buildTemplate(store, 5, 6);
    const engine = new HostEngine({ hostId: 'h1', store: new FloriaActorStore(store), plugins: fakeLifecyclePlugin('web'), runtimes: [new NoopRuntime()] });
    const report = await engine.deploy('web');
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.waves.length).toBe(5);
    await engine.close();

    const dep = await store.openDeployment('web');
    // The deployment's service vertex (inputs/outputs) has no lifecycle: only the nodes have actors.
    const vertexes = dep.list('vertex').filter((v) => v.id.directory[0] === 'web');
    expect(vertexes.length).toBe(30);
    for (const v of vertexes) {
      expect(v.status?.state).toBe('started');
      expect(v.owner).toBe('h1');
    }
    // set-property effects from the plugin reached the store.
    expect(dep.getProperty(vertexes[0]!.id, 'created')?.value).toBe(true);
    await store.close();
    stores.pop();

    // Reopen from disk: a new engine restores each actor from its stored status; deploy is a no-op.
    const again = await openStore({ hostId: 'h1', dir, random: seededRandom(4) });
    stores.push(again);
    const plugins = fakeLifecyclePlugin('web');
    const engine2 = new HostEngine({ hostId: 'h1', store: new FloriaActorStore(again), plugins, runtimes: [new NoopRuntime()] });
    await engine2.start();
    expect(engine2.actorState('web', 'web/n4-0')?.phase).toBe('started');
    expect((await engine2.deploy('web')).ok).toBe(true);
    expect(plugins.calls.length).toBe(0);
    const down = await engine2.undeploy('web');
    expect(down.ok).toBe(true);
    const dep2 = await again.openDeployment('web');
    // Every node vertex is deleted; the service vertex (inputs/outputs) has no lifecycle.
    expect(dep2.list('vertex').filter((v) => v.id.directory[0] === 'web').every((v) => v.status?.state === 'deleted')).toBe(true);
    await engine2.close();
  });
});
