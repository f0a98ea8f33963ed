import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KhutulunError } from '../../common/index.js';
import { flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
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
  summary: 'deploy a TOSCA service template on a running agent',
  usage: 'khutulun [--agent URL] deploy FILE [--name NAME] [--input NAME=VALUE]... [--state DIR] [-o json]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { name: { value: true }, input: { value: true, repeat: true }, state: { value: true }, output: { value: true, short: 'o' } });
    const file = args.positionals[0];
    if (!file || args.positionals.length > 1) throw new UsageError('deploy takes exactly one FILE');
    const inputs: Record<string, unknown> = {};
    for (const [k, v] of parseAssignments(flagList(args, 'input'))) inputs[k] = parseYaml(v) as unknown;
    const path = resolve(io.cwd, file);
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      throw new KhutulunError('KH-IO-001', `cannot read ${path}`, { hint: 'check the file path', cause: error });
    }
    const name = flagString(args, 'name') ?? defaultDeploymentName(path);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const status = await client.deploy({ name, source, sourceName: path, inputs });
    if (flagString(args, 'output') === 'json') io.stdout(JSON.stringify(status) + '\n');
    else io.stdout(`deployment ${status.name}: ${status.state} (${status.nodes.length} nodes)\n`);
    return 0;
  },
};
