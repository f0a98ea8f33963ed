import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { table } from './table.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show one deployment (nodes, hosts, states, outputs) or list them all',
  usage: 'khutulun [--agent URL] status [NAME] [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const json = outputJson(flagString(args, 'output'));
    if (args.positionals.length > 1) throw new UsageError('status takes at most one NAME');
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const name = args.positionals[0];
    if (name === undefined) {
      const list = await client.list();
      if (json) io.stdout(JSON.stringify(list) + '\n');
      else io.stdout(list.length === 0 ? 'no deployments\n' : table(['NAME', 'STATE', 'NODES'], list.map((d) => [d.name, d.state, String(d.nodes)])));
      return 0;
    }
    const s = await client.status(name);
    if (json) {
      // The documented contract: exactly these keys.
      const out = { name: s.name, nodes: s.nodes.map((n) => ({ id: n.id, template: n.template, host: n.host, state: n.state })), outputs: s.outputs };
      io.stdout(JSON.stringify(out) + '\n');
      return 0;
    }
    io.stdout(`deployment ${s.name}: ${s.state}${s.generation !== undefined ? ` (generation ${s.generation})` : ''}\n`);
    if (s.nodes.length > 0) {
      io.stdout(
        table(
          ['NODE', 'TEMPLATE', 'HOST', 'STATE', 'RESTARTS', 'GEN'],
          s.nodes.map((n) => [n.id, n.template, n.host, n.state + (n.message ? ` (${n.message})` : ''), String(n.restarts ?? 0), `${n.generation ?? '-'}/${n.desiredGeneration ?? '-'}`]),
        ),
      );
    }
    // A failing or failed node shows the last words of its workload.
    for (const n of s.nodes) for (const l of n.stderrTail ?? []) io.stdout(`${n.id} stderr| ${l}\n`);
    for (const [k, v] of Object.entries(s.outputs)) io.stdout(`output ${k} = ${JSON.stringify(v)}\n`);
    return 0;
  },
};

export function outputJson(format: string | undefined): boolean {
  if (format === undefined || format === 'table' || format === 'text') return false;
  if (format === 'json') return true;
  throw new UsageError(`unknown output format "${format}"`, 'use -o json');
}
