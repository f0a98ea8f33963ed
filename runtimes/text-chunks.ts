/** Whole captured output as the `logs`/`exec` capability's chunk stream (runtimes without streaming). */
import { KhutulunError } from '../common/index.js';
import type { LogChunk } from './runtime-adapter.js';

export async function* textChunks(text: Promise<{ stdout: string; stderr: string }>): AsyncIterable<LogChunk> {
  const { stdout, stderr } = await text;
  if (stdout) yield { stream: 'stdout', text: stdout };
  if (stderr) yield { stream: 'stderr', text: stderr };
}

/** A chunk stream that fails at once with a coded error (an option the runtime cannot honour). */
// eslint-disable-next-line require-yield -- it throws before yielding, by design
export async function* failingLogs(message: string): AsyncIterable<LogChunk> {
  throw new KhutulunError('KH-RT-IO-OPTION', message, { hint: 'read the whole log (no --since, no -f)' });
}
