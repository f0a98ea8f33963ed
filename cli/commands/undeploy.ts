import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputJson } from './status.js';

export const undeployCommand: Command = {
  name: 'undeploy',
  summary: 'stop a deployment (reverse dependency order) and remove it',
  usage: 'khutulun [--agent URL] undeploy NAME [--force] [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true }, force: {} });
    const json = outputJson(flagString(args, 'output'));
    const name = args.positionals[0];
    if (!name || args.positionals.length > 1) throw new UsageError('undeploy takes exactly one NAME');
    const force = args.flags['force'] === true;
    const status = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).undeploy(name, force);
    if (json) io.stdout(JSON.stringify(status) + '\n');
    else {
      io.stdout(`deployment ${status.name}: ${status.state}${force ? ' (forced)' : ''}\n`);
      // --force removed the record without every owner's confirmation: say what may still run.
      for (const n of status.leftBehind ?? []) io.stderr(`  may be left behind: ${n.id} on ${n.host} (${n.state}${n.message ? `: ${n.message}` : ''})\n`);
    }
    return status.nodes.some((n) => n.state === 'error') ? 1 : 0;
  },
};
