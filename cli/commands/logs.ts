/**
 * `khutulun logs NAME [NODE] [-f] [--since D] [--tail N] [--stream stdout|stderr]`: a node's
 * workload output from the agent that owns it (any agent forwards). stdout goes to stdout and
 * stderr to stderr; without NODE every node with a workload is shown, each line prefixed `[node]`.
 */
import { KhutulunError } from '../../common/index.js';
import { parseSince, WorkloadIoErrors } from '../../runtimes/workload-io.js';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { AgentTarget } from '../client.js';
import type { CliIo, Command } from '../command.js';
import { followSignal, isAbort } from '../follow-signal.js';
import { ndjson, openStream, streamError } from '../stream-client.js';

export interface LogQuery {
  follow: boolean;
  tail?: number;
  since?: number;
}

/** The agent path of a node's logs (pure). */
export function logsPath(name: string, node: string, q: LogQuery): string {
  const params = new URLSearchParams();
  if (q.follow) params.set('follow', '1');
  if (q.tail !== undefined) params.set('tail', String(q.tail));
  if (q.since !== undefined) params.set('since', String(q.since));
  const query = params.toString();
  return `/v1/deployments/${encodeURIComponent(name)}/nodes/${encodeURIComponent(node)}/logs${query ? `?${query}` : ''}`;
}

/** Prefixes whole lines; keeps a partial line until its end arrives. */
function prefixer(prefix: string): (text: string) => string {
  let atStart = true;
  return (text) => {
    let out = '';
    for (const part of text.split(/(?<=\n)/)) {
      if (part === '') continue;
      out += (atStart ? prefix : '') + part;
      atStart = part.endsWith('\n');
    }
    return out;
  };
}

async function streamNode(target: AgentTarget, io: CliIo, name: string, node: string, q: LogQuery, only: string | undefined, signal: AbortSignal, prefix?: string): Promise<void> {
  const res = await openStream(target, { method: 'GET', path: logsPath(name, node, q), accept: 'application/x-ndjson', signal });
  const out = prefixer(prefix ?? '');
  const err = prefixer(prefix ?? '');
  try {
    for await (const value of ndjson(res)) {
      const failure = streamError(value);
      if (failure) throw failure;
      const chunk = value as { stream?: unknown; text?: unknown };
      if (typeof chunk.text !== 'string' || (only !== undefined && chunk.stream !== only)) continue;
      if (chunk.stream === 'stderr') io.stderr(err(chunk.text));
      else io.stdout(out(chunk.text));
    }
  } catch (error) {
    if (!isAbort(error, signal)) throw error;
  }
}

function isNoWorkload(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === WorkloadIoErrors.noWorkload || code === WorkloadIoErrors.unsupported;
}

export const logsCommand: Command = {
  name: 'logs',
  summary: "print (and follow) a node's workload output",
  usage: 'khutulun [--agent URL] logs NAME [NODE] [-f] [--since DURATION] [--tail N] [--stream stdout|stderr] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { follow: { short: 'f' }, since: { value: true }, tail: { value: true }, stream: { value: true }, state: { value: true } });
    const [name, node, ...extra] = args.positionals;
    if (!name || extra.length > 0) throw new UsageError('logs takes NAME and optionally NODE');
    const tailText = flagString(args, 'tail');
    if (tailText !== undefined && !/^\d+$/.test(tailText)) throw new UsageError(`--tail wants a number of lines, got "${tailText}"`, 'for example --tail 100');
    const sinceText = flagString(args, 'since');
    const since = sinceText === undefined ? undefined : parseSince(sinceText, Date.now());
    if (sinceText !== undefined && since === undefined) throw new UsageError(`--since wants a duration (90s, 10m, 2h, 1d) or a time (2026-01-31T12:00:00Z), got "${sinceText}"`);
    const only = flagString(args, 'stream');
    if (only !== undefined && only !== 'stdout' && only !== 'stderr') throw new UsageError(`--stream is stdout or stderr, got "${only}"`);
    const q: LogQuery = { follow: flagBool(args, 'follow'), ...(tailText !== undefined ? { tail: Number(tailText) } : {}), ...(since !== undefined ? { since } : {}) };
    const target = resolveAgentTarget(globals, io, flagString(args, 'state'));
    const stop = followSignal(io);
    try {
      if (node !== undefined) {
        await streamNode(target, io, name, node, q, only, stop.signal);
        return 0;
      }
      // Every node: each one's lines prefixed; nodes without a workload (a Network, an Endpoint) are named on stderr.
      const status = await new AgentClient(target).status(name);
      const width = Math.max(0, ...status.nodes.map((n) => n.template.length));
      let shown = 0;
      const failures: KhutulunError[] = [];
      await Promise.all(
        status.nodes.map(async (n) => {
          try {
            await streamNode(target, io, name, n.id, q, only, stop.signal, `[${n.template.padEnd(width)}] `);
            shown++;
          } catch (error) {
            if (isNoWorkload(error)) io.stderr(`khutulun logs: ${n.template}: no workload output (${(error as KhutulunError).code})\n`);
            else failures.push(error as KhutulunError);
          }
        }),
      );
      if (failures[0]) throw failures[0];
      if (shown === 0) throw new KhutulunError(WorkloadIoErrors.noWorkload, `no node of ${name} has a workload with output`, { hint: 'check `khutulun status NAME`' });
      return 0;
    } finally {
      stop.dispose();
    }
  },
};
