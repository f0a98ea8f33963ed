/** `khutulun update NAME FILE [--input N=V]... [--dry-run] [--wait]`: applies exactly the plan of FILE to NAME. */
import { flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, inputsOf, parseDuration, planTable, readTemplate, waitConverged } from './day2-common.js';

export const updateCommand: Command = {
  name: 'update',
  summary: 'update a deployment to a new template or inputs (the plan, applied in dependency order)',
  usage: 'khutulun [--agent URL] update NAME FILE [--input NAME=VALUE]... [--dry-run] [--wait] [--timeout 5m] [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, {
      input: { value: true, repeat: true },
      state: { value: true },
      output: { value: true, short: 'o' },
      'dry-run': {},
      wait: {},
      timeout: { value: true },
    });
    if (args.positionals.length !== 2) throw new UsageError('update takes NAME and FILE', 'for example: khutulun update hello-web examples/hello-web/service.yaml --input greeting=hi');
    const [name, file] = args.positionals as [string, string];
    const timeoutMs = parseDuration(flagString(args, 'timeout'), 300_000);
    const { path, source, archive } = await readTemplate(io, file);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const dryRun = args.flags['dry-run'] === true;
    const result = await client.update({ name, source, ...(archive !== undefined && { archive }), sourceName: path, inputs: inputsOf(parseAssignments(flagList(args, 'input'))) }, dryRun);
    if (flagString(args, 'output') === 'json') io.stdout(`${JSON.stringify(result)}\n`);
    else {
      io.stdout(`deployment ${name}: ${dryRun ? 'would be ' : ''}${result.action ?? 'updated'}${dryRun ? '' : ` (generation ${result.generation ?? '?'})`}\n`);
      if (result.plan) io.stdout(planTable(result.plan));
    }
    if (dryRun || !args.flags['wait']) return EXIT.ok;
    return waitConverged(client, name, timeoutMs, io);
  },
};
