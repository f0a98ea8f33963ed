/**
 * `khutulun history NAME [NODE] [--since D] [-o table|json]`: what happened to a deployment's
 * nodes, oldest first — each change with old -> new values, the host that wrote it, when, and the
 * request generation that caused it. Undeployed deployments answer from the agent's archive (kept
 * for `khutulun agent --history-retention DAYS`, default 30).
 */
import type { HistoryRecord } from '../../agent/index.js';
import { parseSince } from '../../runtimes/workload-io.js';
import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputFormat, render } from '../output.js';
import { table } from './table.js';

const MAX_VALUE = 60;

function shown(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** One row per changed field: time, generation, node, host, field, old -> new (pure). */
export function historyRows(records: readonly HistoryRecord[]): string[][] {
  return records.flatMap((r) =>
    r.changes.map((c) => {
      const time = new Date(r.at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
      const change = c.old === undefined && c.new === undefined ? '' : `${shown(c.old)} -> ${shown(c.new)}`;
      return [time, String(r.generation), r.node.split('/').pop() ?? r.node, r.host, c.field, `${change}${c.note ? `  (${c.note})` : ''}`];
    }),
  );
}

export const historyCommand: Command = {
  name: 'history',
  summary: "print what happened to a deployment's nodes (old -> new values, host, time, generation)",
  usage: 'khutulun [--agent URL] history NAME [NODE] [--since DURATION] [-o table|json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { since: { value: true }, output: { value: true, short: 'o' }, state: { value: true } });
    const format = outputFormat(flagString(args, 'output'), ['table', 'json']);
    const [name, node, ...extra] = args.positionals;
    if (!name || extra.length > 0) throw new UsageError('history takes NAME and at most one NODE', 'for example: khutulun history hello-web web --since 1h');
    const sinceText = flagString(args, 'since');
    const since = sinceText === undefined ? undefined : parseSince(sinceText, Date.now());
    if (sinceText !== undefined && since === undefined) throw new UsageError(`--since wants a duration (90s, 10m, 2h, 1d) or a time (2026-01-31T12:00:00Z), got "${sinceText}"`);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const records = await client.history(name, { ...(node !== undefined ? { node } : {}), ...(since !== undefined ? { since } : {}) });
    io.stdout(await render(format, records, () => table(['TIME', 'GEN', 'NODE', 'HOST', 'FIELD', 'CHANGE'], historyRows(records))));
    return 0;
  },
};
