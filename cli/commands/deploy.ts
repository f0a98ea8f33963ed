import { basename, extname, resolve } from 'node:path';
import { flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
import { inputsOf, parseDuration, planTable, readTemplate, waitConverged } from './day2-common.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';

/** Default deployment name: the file's base name, or its folder's for `service.yaml`-style files. */
export function defaultDeploymentName(file: string): string {
  const base = basename(file, extname(file));
  const pick = /^(service|main|template)$/i.test(base) ? basename(resolve(file, '..')) : base;
  const name = pick.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name || 'deployment';
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'deploy a TOSCA service template on a running agent (an existing NAME is updated: the plan is shown)',
  usage: 'khutulun [--agent URL] deploy FILE [--name NAME] [--input NAME=VALUE]... [--wait] [--timeout 5m] [--state DIR] [-o json]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { name: { value: true }, input: { value: true, repeat: true }, state: { value: true }, output: { value: true, short: 'o' }, wait: {}, timeout: { value: true } });
    const file = args.positionals[0];
    if (!file || args.positionals.length > 1) throw new UsageError('deploy takes exactly one FILE');
    const timeoutMs = parseDuration(flagString(args, 'timeout'), 300_000);
    const { path, source, archive } = await readTemplate(io, file);
    const name = flagString(args, 'name') ?? defaultDeploymentName(path);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const result = await client.deploy({ name, source, ...(archive !== undefined && { archive }), sourceName: path, inputs: inputsOf(parseAssignments(flagList(args, 'input'))) });
    if (flagString(args, 'output') === 'json') io.stdout(JSON.stringify(result) + '\n');
    else {
      const what = result.action === 'updated' ? `updated (generation ${result.generation ?? '?'})` : result.action === 'unchanged' ? 'unchanged' : result.state;
      io.stdout(`deployment ${result.name}: ${what} (${result.nodes.length} nodes)\n`);
      if (result.action === 'updated' && result.plan) io.stdout(planTable(result.plan));
    }
    if (!args.flags['wait']) return 0;
    return waitConverged(client, name, timeoutMs, io);
  },
};
