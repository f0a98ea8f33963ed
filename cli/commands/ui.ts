/**
 * `khutulun ui`: a new one-time login link to the agent's live page, for the credential this CLI
 * uses (a viewer's token gives a read-only page). The link works once and expires in minutes; the
 * browser then holds an HttpOnly session cookie, never the token.
 */
import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputFormat } from '../output.js';

export const uiCommand: Command = {
  name: 'ui',
  summary: "print a one-time login link to the agent's live page",
  usage: 'khutulun [--agent URL] ui [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const format = outputFormat(flagString(args, 'output'), ['table', 'json']);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const link = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).loginLink();
    if (format === 'json') io.stdout(`${JSON.stringify(link)}\n`);
    else io.stdout(`${link.url}\n`);
    if (format !== 'json') io.stderr(`khutulun: open it in a browser; it works once and expires at ${new Date(link.expiresAt).toISOString().slice(11, 16)} UTC\n`);
    return 0;
  },
};
