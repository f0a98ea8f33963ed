import { flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { packageVersion } from '../package-info.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the Khutulun version',
  usage: 'khutulun version [-o json]',
  async run(argv, io) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' } });
    if (args.positionals.length > 0) throw new UsageError('version takes no arguments');
    const output = flagString(args, 'output') ?? 'text';
    const version = packageVersion();
    if (output === 'json') io.stdout(`${JSON.stringify({ version, node: process.versions.node })}\n`);
    else if (output === 'text' || output === 'table') io.stdout(`khutulun ${version}\n`);
    else throw new UsageError(`unknown output format "${output}"`, 'use -o json');
    return 0;
  },
};
