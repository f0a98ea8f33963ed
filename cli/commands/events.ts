/**
 * `khutulun events [NAME] [-f] [-o table|json]`: the agent's recent events (node transitions,
 * deployments, peers), and with -f the live stream after them. `-o json` prints one JSON object a
 * line (the agent's event as is), for `jq` and scripts.
 */
import type { AgentEvent } from '../../agent/event-hub.js';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import { resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { followSignal, isAbort } from '../follow-signal.js';
import { outputFormat } from '../output.js';
import { openStream, serverSentEvents } from '../stream-client.js';

/** One event as a human line: time, type, where, what (pure). */
export function eventLine(e: AgentEvent): string {
  const time = new Date(e.at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const where = [e.deployment, e.node].filter((x) => x !== undefined && x !== '').join('/');
  const change = e.from !== undefined || e.to !== undefined ? `${e.from ?? '?'} -> ${e.to ?? '?'}` : '';
  return [time, e.type.padEnd(18), where || '-', change, e.host ? `on ${e.host}` : '', e.message ?? ''].filter((x) => x !== '').join('  ') + '\n';
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'print the event stream',
  usage: 'khutulun [--agent URL] events [NAME] [-f] [-o table|json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { follow: { short: 'f' }, output: { value: true, short: 'o' }, state: { value: true } });
    const format = outputFormat(flagString(args, 'output'), ['table', 'json']);
    const [name, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError('events takes at most one NAME');
    const target = resolveAgentTarget(globals, io, flagString(args, 'state'));
    const follow = flagBool(args, 'follow');
    const show = (e: AgentEvent): void => {
      if (name !== undefined && e.deployment !== name) return;
      io.stdout(format === 'json' ? `${JSON.stringify(e)}\n` : eventLine(e));
    };
    const stop = followSignal(io);
    try {
      const res = await openStream(target, {
        method: 'GET',
        // Without -f: the recent events as one JSON array; with -f the SSE stream, recent ones first.
        path: follow ? '/v1/events?replay=1' : '/v1/events/recent',
        accept: follow ? 'text/event-stream' : 'application/json',
        signal: stop.signal,
      });
      if (!follow) {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        for (const e of JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentEvent[]) show(e);
        return 0;
      }
      for await (const m of serverSentEvents(res)) {
        if (stop.signal.aborted) break;
        try {
          show(JSON.parse(m.data) as AgentEvent);
        } catch {
          io.stderr(`khutulun events: skipped an event that is not JSON: ${m.data.slice(0, 80)}\n`);
        }
      }
      return 0;
    } catch (error) {
      if (isAbort(error, stop.signal)) return 0;
      throw error;
    } finally {
      stop.dispose();
    }
  },
};
