/**
 * Compiles service templates in a worker thread, so a large template sent over the API (up to the
 * TOSCA file limit, seconds of parsing) never stalls the agent's event loop: health checks, sync
 * and other requests go on meanwhile. One thread, made on first use and ended when idle; the
 * compile itself is the same function the CLI runs in-process.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { fromErrorData } from '../common/index.js';
import type { ErrorData } from '../common/index.js';
import type { CompileFileResult } from '../tosca/compile/index.js';
import type { CompileTask } from './compile-worker.js';

function workerLocation(): { filename: string; execArgv: string[] } {
  const self = import.meta.url;
  // From sources (tests, tsx): the worker is TypeScript too.
  if (self.endsWith('.ts')) return { filename: fileURLToPath(new URL('./compile-worker.ts', self)), execArgv: ['--import', 'tsx'] };
  return { filename: fileURLToPath(new URL('./compile-worker.js', self)), execArgv: [] };
}

export class CompilePool {
  #pool: Piscina | undefined;

  async compile(task: CompileTask): Promise<CompileFileResult> {
    this.#pool ??= new Piscina({ ...workerLocation(), minThreads: 0, maxThreads: 1, idleTimeout: 30_000 });
    const out = (await this.#pool.run(task)) as { result: CompileFileResult } | { error: ErrorData };
    if ('error' in out) throw fromErrorData(out.error);
    return out.result;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }
}
