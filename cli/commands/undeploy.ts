import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputJson } from './status.js';

export const undeployCommand: Command = {
  name: 'undeploy',
  summary: 'stop a deployment (reverse dependency order) and remove it',
  usage: 'khutulun [--agent URL] undeploy NAME [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const json = outputJson(flagString(args, 'output'));
    const name = args.positionals[0];
    if (!name || args.positionals.length > 1) throw new UsageError('undeploy takes exactly one NAME');
    const status = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).undeploy(name);
    if (json) io.stdout(JSON.stringify(status) + '\n');
    else io.stdout(`deployment ${status.name}: ${status.state}\n`);
    return status.nodes.some((n) => n.state === 'failed') ? 1 : 0;
  },
};
