/**
 * Restart safety: close at any point (also mid-batch, with writes still queued) and reopen from
 * disk: every write whose promise resolved ("committed") is there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseEntityId } from '../../../store/index.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kh-store-restart-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('restart safety', () => {
  it('keeps every committed write across close (including writes queued mid-batch)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ v: fc.constantFrom('a', 'b', 'c'), p: fc.constantFrom('x', 'y'), n: fc.integer({ min: 0, max: 99 }), awaitIt: fc.boolean() }), { minLength: 1, maxLength: 25 }),
        fc.nat({ max: 25 }),
        async (writes, closeAt) => {
          const dir = await freshDir();
          const s = await openStore({ dir, hostId: 'h1' });
          const d = await s.createDeployment('r');
          await Promise.all(['a', 'b', 'c'].map((v) => d.create('vertex', { id: v })));
          const expected = new Map<string, bigint>();
          const committed: Promise<void>[] = [];
          let closing: Promise<void> | undefined;
          for (const [i, w] of writes.entries()) {
            if (i === closeAt) closing = s.close();
            const p = d.setProperty(parseEntityId('vertex', w.v), w.p, BigInt(w.n));
            const key = `${w.v}.${w.p}`;
            const tracked = p.then(
              () => void expected.set(key, BigInt(w.n)),
              (e: { code?: string }) => {
                // Writes after close are refused with a code, never silently dropped.
                expect(e.code).toBe('KH-STORE-013');
              },
            );
            committed.push(tracked);
            if (w.awaitIt && !closing) await tracked;
          }
          await (closing ?? s.close());
          await Promise.all(committed);
          const s2 = await openStore({ dir, hostId: 'h1' });
          const d2 = await s2.openDeployment('r');
          for (const [key, n] of expected) {
            const [v, p] = key.split('.') as [string, string];
            expect(d2.getProperty(parseEntityId('vertex', v), p)?.value).toBe(n);
          }
          await s2.close();
        },
      ),
      { numRuns: 8, seed: 11 },
    );
  });

  it('reopens the cluster document and deployment index from the pointer file', async () => {
    const dir = await freshDir();
    const s = await openStore({ dir, hostId: 'h1' });
    await s.createDeployment('one');
    await s.cluster.upsertHost({ id: 'h1', name: 'first' });
    await s.close();
    const s2 = await openStore({ dir, hostId: 'h1' });
    expect(s2.listDeployments().map((x) => x.name)).toEqual(['one']);
    expect(s2.cluster.host('h1')?.name).toBe('first');
    await s2.close();
    // Close compacts each document into a single snapshot chunk.
    const chunks = (await readdir(join(dir, 'automerge'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && /\/(snapshot|incremental)$/.test(e.parentPath))
      .map((e) => e.parentPath.split('/').slice(-2, -1)[0]);
    expect(chunks.length).toBeGreaterThan(0);
    expect(new Set(chunks).size).toBe(chunks.length);
    const s3 = await openStore({ dir, hostId: 'h1' });
    expect(s3.listDeployments().map((x) => x.name)).toEqual(['one']);
    expect((await s3.openDeployment('one')).count('vertex')).toBe(1);
    await s3.close();
    await expect(s2.createDeployment('two')).rejects.toMatchObject({ code: 'KH-STORE-013' });
  });
});
