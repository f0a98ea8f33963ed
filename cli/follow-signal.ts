/** The signal a follow (-f) stops on: Ctrl-C, SIGTERM, or stdout gone (`… -f | head -1`). */
import type { CliIo } from './command.js';

export function followSignal(io: CliIo): { signal: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  const abort = (): void => {
    if (!stop.signal.aborted) stop.abort();
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  io.stdoutClosed?.addEventListener('abort', abort, { once: true });
  if (io.stdoutClosed?.aborted) abort();
  return {
    signal: stop.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
      io.stdoutClosed?.removeEventListener('abort', abort);
    },
  };
}

/**
 * True when the error comes from our own stop: once the signal aborted, the request fails with an
 * AbortError or, mid-answer, with a reset ("aborted") of the response stream.
 */
export function isAbort(_error: unknown, signal: AbortSignal): boolean {
  return signal.aborted;
}
