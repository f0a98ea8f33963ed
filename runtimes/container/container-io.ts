/**
 * `khutulun logs` and `khutulun exec` for containers (the runtime's optional logs/exec capability):
 * the engine's multiplexed streams demultiplexed into chunks as they arrive. Kept apart from the
 * adapter's lifecycle (ensure/observe/remove).
 */
import { KhutulunError } from '../../common/index.js';
import type { ExecOptions, ExecSession, LogChunk, LogReadOptions } from '../runtime-adapter.js';
import { ChunkChannel, WorkloadIoErrors } from '../workload-io.js';
import type { WorkloadId } from '../workload.js';
import type { ContainerInspect, DockerApiLike } from './docker-api.js';
import { ContainerErrorCode, classifyEngineError } from './errors.js';
import { StreamDemuxer } from './stream-demux.js';

export interface ContainerIoContext {
  readonly engine: string;
  readonly socketPath: string;
  /** The adapter's call wrapper: engine errors become coded ones. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

export async function* containerLogs(api: DockerApiLike, containerId: string, ctx: ContainerIoContext, options: LogReadOptions): AsyncIterable<LogChunk> {
  if (!api.logStream) {
    if (options.follow || options.since !== undefined) throw new KhutulunError(WorkloadIoErrors.badOption, `the ${ctx.engine} API in use cannot follow or filter logs`, { hint: 'drop -f and --since' });
    const whole = await ctx.call('logs', () => api.logs(containerId, options.tail !== undefined ? { tail: options.tail } : {}));
    if (whole.stdout) yield { stream: 'stdout', text: whole.stdout };
    if (whole.stderr) yield { stream: 'stderr', text: whole.stderr };
    return;
  }
  const stream = await ctx.call('logs', () =>
    api.logStream!(containerId, {
      ...(options.follow ? { follow: true } : {}),
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      ...(options.since !== undefined ? { sinceSeconds: Math.floor(options.since / 1000) } : {}),
    }),
  );
  const channel = new ChunkChannel();
  const demux = new StreamDemuxer();
  const stop = (): void => (stream as unknown as { destroy?: () => void }).destroy?.();
  options.signal?.addEventListener('abort', stop, { once: true });
  stream.on('data', (b: Buffer | string) => demux.push(Buffer.isBuffer(b) ? b : Buffer.from(b)).forEach((c) => channel.push(c)));
  stream.on('end', () => {
    demux.flush().forEach((c) => channel.push(c));
    channel.end();
  });
  stream.on('close', () => channel.end());
  stream.on('error', (error: unknown) => channel.end(options.signal?.aborted ? undefined : classifyEngineError(error, { engine: ctx.engine, socketPath: ctx.socketPath, what: 'logs' })));
  try {
    yield* channel;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    stop();
  }
}

export async function containerExec(
  api: DockerApiLike,
  id: WorkloadId,
  inspectOf: () => Promise<ContainerInspect>,
  ctx: ContainerIoContext,
  command: readonly string[],
  options: ExecOptions,
): Promise<ExecSession> {
  if (options.timeoutMs !== undefined) {
    // The engine API cannot kill an exec'd process: refuse rather than return while it runs on.
    throw new KhutulunError(WorkloadIoErrors.badOption, `the ${ctx.engine} runtime cannot stop a command it runs in a container after a timeout`, {
      hint: 'run it under timeout(1) in the container: -- timeout 30 CMD …',
    });
  }
  const inspect = await inspectOf();
  if (!inspect.State.Running) {
    throw new KhutulunError(ContainerErrorCode.execFailed, `${id} is not running (${inspect.State.Status})`, {
      retryable: true,
      hint: 'ensure the workload first',
    });
  }
  const channel = new ChunkChannel();
  if (!api.execStream) {
    // An API without streaming: the output arrives when the command ends.
    const result = await ctx.call('exec', () => api.exec(inspect.Id, [...command], options.tty ? { tty: true } : {}));
    channel.push({ stream: 'stdout', text: result.stdout });
    channel.push({ stream: 'stderr', text: result.stderr });
    channel.end();
    return { output: channel, exitCode: Promise.resolve(result.exitCode) };
  }
  const started = await ctx.call('exec', () => api.execStream!(inspect.Id, [...command], options.tty ? { tty: true } : {}));
  const demux = new StreamDemuxer();
  const stop = (): void => (started.stream as unknown as { destroy?: () => void }).destroy?.();
  options.signal?.addEventListener('abort', stop, { once: true });
  const ended = new Promise<void>((done) => {
    started.stream.on('data', (b: Buffer | string) => demux.push(Buffer.isBuffer(b) ? b : Buffer.from(b)).forEach((c) => channel.push(c)));
    started.stream.on('end', done);
    started.stream.on('close', done);
    started.stream.on('error', () => done());
  });
  const exitCode = ended.then(async () => {
    options.signal?.removeEventListener('abort', stop);
    demux.flush().forEach((c) => channel.push(c));
    channel.end();
    return ctx.call('exec', () => started.exitCode());
  });
  // Awaited by whoever reads the session; never an unhandled rejection when nobody does.
  exitCode.catch(() => undefined);
  return { output: channel, exitCode };
}
