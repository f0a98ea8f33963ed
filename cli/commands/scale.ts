/** `khutulun scale NAME NODE COUNT [--dry-run] [--wait]`: sets the instance count of one node template. */
import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, parseDuration, planTable, waitConverged } from './day2-common.js';

export const scaleCommand: Command = {
  name: 'scale',
  summary: 'set how many instances of a node template run (new ones in dependency order, removed ones in reverse)',
  usage: 'khutulun [--agent URL] scale NAME NODE COUNT [--dry-run] [--wait] [--timeout 5m] [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { state: { value: true }, output: { value: true, short: 'o' }, 'dry-run': {}, wait: {}, timeout: { value: true } });
    if (args.positionals.length !== 3) throw new UsageError('scale takes NAME, NODE and COUNT', 'for example: khutulun scale hello-web web 3');
    const [name, node, countText] = args.positionals as [string, string, string];
    if (!/^\d+$/.test(countText)) throw new UsageError(`COUNT must be a whole number, not "${countText}"`, 'for example: khutulun scale hello-web web 3');
    const timeoutMs = parseDuration(flagString(args, 'timeout'), 300_000);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const dryRun = args.flags['dry-run'] === true;
    const result = await client.scale(name, node, Number(countText), dryRun);
    if (flagString(args, 'output') === 'json') io.stdout(`${JSON.stringify(result)}\n`);
    else {
      io.stdout(`deployment ${name}: ${node} ${dryRun ? 'would be scaled' : 'scaled'} to ${countText}${dryRun ? '' : ` (generation ${result.generation ?? '?'})`}\n`);
      if (result.plan) io.stdout(planTable(result.plan));
    }
    if (dryRun || !args.flags['wait']) return EXIT.ok;
    return waitConverged(client, name, timeoutMs, io);
  },
};
