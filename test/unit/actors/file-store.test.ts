import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorErrorCode, FileActorStore } from '../../../actors/index.js';
import { layeredGraph } from './helpers.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('FileActorStore', () => {
  it('batches the writes of a tick into one durable rewrite that a new instance reads back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-actors-file-'));
    const path = join(dir, 's.json');
    const store = new FileActorStore(path);
    await store.put('d', layeredGraph(2, 2, 'p'));
    await Promise.all([
      store.writeStatus('d', 'n0-0', { state: 'started', at: 1 }),
      store.writeStatus('d', 'n0-1', { state: 'creating', at: 2 }),
      store.setProperty('d', 'n1-0', 'port', 8080),
    ]);
    const again = await new FileActorStore(path).load('d');
    expect(again.vertexes.find((v) => v.id === 'n0-0')?.status?.state).toBe('started');
    expect(again.vertexes.find((v) => v.id === 'n0-1')?.status?.state).toBe('creating');
    expect(again.vertexes.find((v) => v.id === 'n1-0')?.properties.port).toBe(8080);
    expect(await again.vertexes.length).toBe(4);
  });

  it('answers unknown names with coded errors', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-actors-file-'));
    const store = new FileActorStore(join(dir, 's.json'));
    await expect(store.load('nope')).rejects.toMatchObject({ code: ActorErrorCode.unknownDeployment });
    await store.put('d', layeredGraph(1, 1, 'p'));
    await expect(store.writeStatus('d', 'ghost', { state: 'x', at: 0 })).rejects.toMatchObject({ code: ActorErrorCode.unknownDeployment });
  });

  it('refuses a corrupt file with a coded error instead of crashing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-actors-file-'));
    const path = join(dir, 's.json');
    await writeFile(path, '{not json');
    expect(() => new FileActorStore(path)).toThrow(expect.objectContaining({ code: ActorErrorCode.statusWrite }) as Error);
  });
});
