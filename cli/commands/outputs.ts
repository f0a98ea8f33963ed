import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputJson } from './status.js';

export const outputsCommand: Command = {
  name: 'outputs',
  summary: "print a deployment's outputs",
  usage: 'khutulun [--agent URL] outputs NAME [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const json = outputJson(flagString(args, 'output'));
    const name = args.positionals[0];
    if (!name || args.positionals.length > 1) throw new UsageError('outputs takes exactly one NAME');
    const outputs = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).outputs(name);
    if (json) io.stdout(JSON.stringify(outputs) + '\n');
    else for (const [k, v] of Object.entries(outputs)) io.stdout(`${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
    return 0;
  },
};
