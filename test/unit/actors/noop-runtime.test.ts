/** The noop runtime passes the shared RuntimeAdapter contract (memory + its JSON-lines journal). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRuntimeAdapterTests } from '../../contracts/index.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';

runRuntimeAdapterTests('noop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-noop-contract-'));
  const journal = join(dir, 'journal.jsonl');
  return {
    create: async () => new NoopRuntime({ journal }),
    longRunning: (variant = 0) => ({ kind: 'noop', variant }),
    exitsWith: (code) => ({ kind: 'noop', exitCode: code, exitAfterMs: 10 }),
    missingCommand: () => ({ kind: 'noop', missing: true }),
    badSpec: () => ({ kind: '' }),
    codes: { notFound: 'KH-RUNTIME-NOOP-003', badSpec: 'KH-RUNTIME-NOOP-004' },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    realProcesses: false,
    timeoutMs: 5000,
  };
});

describe('NoopRuntime journal', () => {
  it('keeps every intent on disk so a restarted process sees what ran', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-noop-journal-'));
    try {
      const journal = join(dir, 'j.jsonl');
      const a = new NoopRuntime({ journal });
      await a.ensure('d/x', { kind: 'noop' });
      await a.ensure('d/x', { kind: 'noop' });
      await a.ensure('d/y', { kind: 'noop' });
      await a.remove('d/y');
      await a.close();
      const b = new NoopRuntime({ journal });
      expect(b.entries.map((e) => [e.action, e.workload, e.noChange])).toEqual([
        ['ensure', 'd/x', false],
        ['ensure', 'd/x', true],
        ['ensure', 'd/y', false],
        ['remove', 'd/y', false],
      ]);
      expect((await b.list()).map((w) => w.id)).toEqual(['d/x']);
      await b.close();
      await expect(b.ensure('d/z', { kind: 'noop' })).rejects.toMatchObject({ code: 'KH-RUNTIME-NOOP-002' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
