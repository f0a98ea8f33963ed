import { describe, expect, it } from 'vitest';
import type { DocHandle, Repo } from '@automerge/automerge-repo';
import { promptSync } from '../../../agent/prompt-sync.js';

function fakeRepo(hasDoc: readonly string[]) {
  const pushes: string[][] = [];
  const sync = { hasPeer: (p: string) => hasDoc.includes(p), beginSync: async (peers: string[]) => void pushes.push(peers) };
  const repo = { peers: ['a', 'b', 'c'], synchronizer: { docSynchronizers: { doc1: sync } } } as unknown as Repo;
  return { repo, pushes };
}
const handle = (id: string) => ({ documentId: id }) as unknown as DocHandle<unknown>;
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('promptSync: push a local change now, to the peers that already sync the document', () => {
  it('pushes only to peers already syncing the document (the share policy decided who has it)', async () => {
    const { repo, pushes } = fakeRepo(['a', 'c']);
    promptSync(repo, 10)(handle('doc1'));
    await tick();
    expect(pushes).toEqual([['a', 'c']]);
  });

  it('a burst costs one push now and one at the end of the interval', async () => {
    const { repo, pushes } = fakeRepo(['b']);
    const push = promptSync(repo, 30);
    for (let i = 0; i < 5; i++) push(handle('doc1'));
    await tick();
    expect(pushes).toHaveLength(1);
    for (let i = 0; i < 5; i++) push(handle('doc1'));
    await tick(60);
    expect(pushes).toHaveLength(2);
  });

  it('does nothing for a document nobody syncs, or no peer has', async () => {
    const none = fakeRepo([]);
    promptSync(none.repo, 10)(handle('doc1'));
    promptSync(none.repo, 10)(handle('unknown-doc'));
    await tick();
    expect(none.pushes).toEqual([]);
  });
});
