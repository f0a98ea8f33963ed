/** Scratch state dirs and adapters for process-runtime tests; everything started is removed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRuntimeAdapter } from '../../../runtimes/index.js';
import type { ProcessAdapterOptions } from '../../../runtimes/index.js';

export interface Scratch {
  stateDir: string;
  adapter(extra?: Partial<ProcessAdapterOptions>): ProcessRuntimeAdapter;
  dispose(): Promise<void>;
}

export function scratch(prefix = 'kh-proc-'): Scratch {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  const made: ProcessRuntimeAdapter[] = [];
  return {
    stateDir,
    adapter(extra = {}) {
      const a = new ProcessRuntimeAdapter({ stateDir, pollIntervalMs: 50, defaultStopTimeoutMs: 1_000, ...extra });
      made.push(a);
      return a;
    },
    async dispose() {
      for (const a of made) await a.close();
      const sweeper = new ProcessRuntimeAdapter({ stateDir });
      for (const w of await sweeper.list()) await sweeper.remove(w.id, { timeoutMs: 300 });
      await sweeper.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
