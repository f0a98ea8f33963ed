/**
 * Shared pieces of the optional logs/exec capability of runtime adapters: the coded errors, a small
 * push-to-pull channel (Node streams -> AsyncIterable<LogChunk>), and collectors for callers that
 * want whole strings (tests, the container health of old).
 */
import { KhutulunError } from '../common/index.js';
import type { ExecSession, LogChunk } from './runtime-adapter.js';

export const WorkloadIoErrors = {
  /** The runtime has no such workload on this host. */
  noWorkload: 'KH-RT-NO-WORKLOAD',
  /** The runtime has no logs() / exec(). */
  unsupported: 'KH-RT-IO-UNSUPPORTED',
  /** An option this runtime cannot honour (e.g. --since on process logs, which carry no times). */
  badOption: 'KH-RT-IO-OPTION',
  /** The command could not be started or the workload is not running. */
  execFailed: 'KH-RT-EXEC',
} as const;

export function noWorkload(runtime: string, id: string): KhutulunError {
  return new KhutulunError(WorkloadIoErrors.noWorkload, `the ${runtime} runtime has no workload ${id} on this host`, {
    hint: 'check the deployment and node names with `khutulun status NAME`; the workload may not have started yet',
    retryable: true,
  });
}

export function unsupported(runtime: string, what: 'logs' | 'exec'): KhutulunError {
  return new KhutulunError(WorkloadIoErrors.unsupported, `the ${runtime} runtime does not support ${what}`, {
    hint: what === 'logs' ? 'read the workload output where the runtime keeps it' : 'this kind of workload has no environment to run a command in',
  });
}

/** A bounded-by-consumer queue: producers push chunks, one consumer iterates; `end(error?)` closes it. */
export class ChunkChannel implements AsyncIterable<LogChunk> {
  readonly #items: LogChunk[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  #error: unknown;

  push(chunk: LogChunk): void {
    if (this.#done || chunk.text === '') return;
    this.#items.push(chunk);
    this.#wake?.();
  }

  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LogChunk> {
    for (;;) {
      const next = this.#items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/** Reads a whole log into strings (stdout and stderr apart). */
export async function collectLogs(chunks: AsyncIterable<LogChunk>): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  for await (const c of chunks) {
    if (c.stream === 'stderr') stderr += c.text;
    else stdout += c.text;
  }
  return { stdout, stderr };
}

/** Waits for an exec session to end: its exit code and all its output. */
export async function collectExec(session: ExecSession): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out = await collectLogs(session.output);
  return { exitCode: await session.exitCode, ...out };
}

/** Parses `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`) or an ISO time; epoch ms. */
export function parseSince(text: string, now: number): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (m) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return now - Number(m[1]) * unit;
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
