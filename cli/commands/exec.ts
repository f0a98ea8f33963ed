/**
 * `khutulun exec NAME NODE [-t] -- CMD [ARG]...`: runs CMD in the node's workload (a container) or
 * in its environment (a process: its cwd, env and user), through the agent that owns the node. The
 * command's stdout/stderr come back as they are written; the exit code is the command's.
 */
import { KhutulunError } from '../../common/index.js';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import { ClientErrors, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { followSignal, isAbort } from '../follow-signal.js';
import { ndjson, openStream, streamError } from '../stream-client.js';

/** Splits `NAME NODE [flags] -- CMD...` at the first `--` (pure). */
export function splitCommand(argv: readonly string[]): { own: string[]; command: string[] } {
  const at = argv.indexOf('--');
  return at < 0 ? { own: [...argv], command: [] } : { own: argv.slice(0, at), command: argv.slice(at + 1) };
}

export const execCommand: Command = {
  name: 'exec',
  summary: "run a command in a node's workload",
  usage: 'khutulun [--agent URL] exec NAME NODE [-t] [--timeout SECONDS] [--state DIR] -- CMD [ARG]...',
  async run(argv, io, globals) {
    const { own, command } = splitCommand(argv);
    if (own.some((a) => /^-[a-z]*i[a-z]*$/.test(a) || a === '--interactive')) {
      throw new UsageError('interactive exec (-i, a stdin for the command) is not supported yet', 'run a non-interactive command: khutulun exec NAME NODE -- sh -c "…"');
    }
    const args = parseArgs(own, { tty: { short: 't' }, timeout: { value: true }, state: { value: true } });
    const [name, node, ...extra] = args.positionals;
    if (!name || !node || extra.length > 0) throw new UsageError('exec takes NAME and NODE, then -- and the command');
    if (command.length === 0) throw new UsageError('no command given after --', 'for example: khutulun exec web web -- ls -la');
    const timeout = flagString(args, 'timeout');
    if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout)) throw new UsageError(`--timeout wants whole seconds, got "${timeout}"`);
    const target = resolveAgentTarget(globals, io, flagString(args, 'state'));
    const stop = followSignal(io);
    try {
      const res = await openStream(target, {
        method: 'POST',
        path: `/v1/deployments/${encodeURIComponent(name)}/nodes/${encodeURIComponent(node)}/exec`,
        body: { command, ...(flagBool(args, 'tty') ? { tty: true } : {}), ...(timeout !== undefined ? { timeoutMs: Number(timeout) * 1000 } : {}) },
        accept: 'application/x-ndjson',
        signal: stop.signal,
      });
      for await (const value of ndjson(res)) {
        const failure = streamError(value);
        if (failure) throw failure;
        const v = value as { stream?: unknown; text?: unknown; exit?: unknown };
        if (typeof v.exit === 'number') return v.exit;
        if (typeof v.text === 'string') (v.stream === 'stderr' ? io.stderr : io.stdout)(v.text);
      }
      if (stop.signal.aborted) return 130;
      throw new KhutulunError(ClientErrors.badResponse, 'the agent ended the exec stream without an exit code', { hint: 'check the agent log', retryable: true });
    } catch (error) {
      // Ctrl-C: the agent sees the connection close and kills the command; 130 as a shell says.
      if (isAbort(error, stop.signal)) return 130;
      throw error;
    } finally {
      stop.dispose();
    }
  },
};
