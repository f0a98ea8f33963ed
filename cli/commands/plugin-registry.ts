/**
 * `khutulun plugin list` (the cluster's plugin registry, and which shipped plugins this host has
 * registered) and `khutulun plugin allow NAME [GRANT]...` (the grants plugin NAME may have in this
 * cluster; none given takes them back). Both talk to a running agent.
 */
import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { CliIo, GlobalOptions } from '../command.js';
import { outputFormat, render } from '../output.js';
import { table } from './table.js';

export const PLUGIN_REGISTRY_USAGE = `khutulun [--agent URL] plugin list [-o table|json|yaml] [--state DIR]
       khutulun [--agent URL] plugin allow NAME [GRANT]... [--state DIR]`;

export async function pluginRegistryCommand(sub: 'list' | 'allow', argv: string[], io: CliIo, globals: GlobalOptions): Promise<number> {
  const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
  const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
  if (sub === 'allow') {
    const [name, ...grants] = args.positionals;
    if (!name) throw new UsageError('plugin allow needs NAME', 'e.g. khutulun plugin allow acme.greeter clocks random');
    const policy = await client.allowPlugin(name, grants);
    io.stdout(`${name}: ${policy[name]?.join(', ') || 'no grants'}\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError('plugin list takes no arguments');
  const view = await client.plugins();
  const local = new Set(view.local.map((p) => p.id));
  const text = (): string =>
    table(
      ['ID', 'VERSION', 'DIGEST', 'SIZE', 'GRANTS', 'DEPLOYMENTS', `HERE (${view.host})`],
      view.registry.map((p) => [
        p.id,
        p.version ?? '-',
        (p.digest ?? '-').slice(0, 23),
        p.size !== undefined ? `${Math.round(p.size / 1024)}Ki` : '-',
        p.grants?.join(',') || '-',
        p.deployments?.join(',') || '-',
        local.has(p.id) ? 'registered' : '-',
      ]),
    );
  io.stdout(await render(outputFormat(flagString(args, 'output')), view, text));
  return 0;
}
