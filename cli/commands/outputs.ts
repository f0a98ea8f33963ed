import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputFormat, render } from '../output.js';

export const outputsCommand: Command = {
  name: 'outputs',
  summary: "print a deployment's outputs",
  usage: 'khutulun [--agent URL] outputs NAME [-o table|json|yaml] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const format = outputFormat(flagString(args, 'output'), ['table', 'json', 'yaml']);
    const name = args.positionals[0];
    if (!name || args.positionals.length > 1) throw new UsageError('outputs takes exactly one NAME');
    const outputs = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).outputs(name);
    io.stdout(await render(format, outputs, () => Object.entries(outputs).map(([k, v]) => `${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}\n`).join('')));
    return 0;
  },
};
