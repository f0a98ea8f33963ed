/** The shared runtime contract against the real bare-process runtime on this host. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuntimeAdapterTests } from '../../contracts/index.js';
import type { RuntimeContractFixture } from '../../contracts/index.js';
import { ProcessRuntimeAdapter } from '../../../runtimes/index.js';

runRuntimeAdapterTests('process', async (): Promise<RuntimeContractFixture> => {
  const stateDir = mkdtempSync(join(tmpdir(), 'kh-proc-contract-'));
  const made: ProcessRuntimeAdapter[] = [];
  return {
    async create() {
      const a = new ProcessRuntimeAdapter({ stateDir, pollIntervalMs: 50, defaultStopTimeoutMs: 2_000 });
      made.push(a);
      return a;
    },
    longRunning: (variant = 0) => ({ kind: 'process', command: 'sleep', args: [String(300 + variant)] }),
    exitsWith: (code) => ({ kind: 'process', command: 'sh', args: ['-c', `exit ${code}`] }),
    missingCommand: () => ({ kind: 'process', command: 'kh-no-such-program-xyz' }),
    badSpec: () => ({ kind: 'process', command: '' }),
    ignoresTerm: () => ({ kind: 'process', command: 'sh', args: ['-c', "trap '' TERM; while :; do sleep 0.1; done"] }),
    codes: { notFound: 'KH-PROC-NOT-FOUND', badSpec: 'KH-PROC-BAD-SPEC' },
    async cleanup() {
      // Stop everything a test left behind through a fresh adapter (by PID, via remove()).
      const sweeper = new ProcessRuntimeAdapter({ stateDir, defaultStopTimeoutMs: 500 });
      for (const w of await sweeper.list()) await sweeper.remove(w.id, { timeoutMs: 500 });
      await sweeper.close();
      for (const a of made) await a.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
});
