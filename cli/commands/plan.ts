/** `khutulun plan NAME FILE [--input N=V]...`: what deploying FILE as NAME would change. Nothing is written. */
import { flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { inputsOf, planTable, readTemplate } from './day2-common.js';
import { stringify as toYaml } from 'yaml';

export const planCommand: Command = {
  name: 'plan',
  summary: 'show what deploying a template as NAME would create, change, replace and delete (changes nothing)',
  usage: 'khutulun [--agent URL] plan NAME FILE [--input NAME=VALUE]... [-o table|json|yaml] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { input: { value: true, repeat: true }, state: { value: true }, output: { value: true, short: 'o' } });
    if (args.positionals.length !== 2) throw new UsageError('plan takes NAME and FILE', 'for example: khutulun plan hello-web examples/hello-web/service.yaml --input greeting=hi');
    const [name, file] = args.positionals as [string, string];
    const { path, source, archive } = await readTemplate(io, file);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const plan = await client.plan({ name, source, ...(archive !== undefined && { archive }), sourceName: path, inputs: inputsOf(parseAssignments(flagList(args, 'input'))) });
    const format = flagString(args, 'output') ?? 'table';
    if (format === 'json') io.stdout(`${JSON.stringify(plan)}\n`);
    else if (format === 'yaml') io.stdout(toYaml(plan));
    else if (format === 'table') io.stdout((plan.exists ? '' : `${name} does not exist yet: everything is created\n`) + planTable(plan));
    else throw new UsageError(`unknown output format "${format}"`, 'use -o table, json or yaml');
    return 0;
  },
};
