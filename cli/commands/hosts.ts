import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputFormat, render } from '../output.js';
import { table } from './table.js';

/** What placement may send to a host: its runtimes (an agent that publishes none is assumed to run all). */
function runtimes(capabilities: readonly string[] | undefined): string {
  if (!capabilities) return '(unpublished)';
  const names = capabilities.filter((c) => c.startsWith('runtime:')).map((c) => c.slice('runtime:'.length));
  return names.length > 0 ? names.join(',') : '-';
}

export const hostsCommand: Command = {
  name: 'hosts',
  summary: 'list the hosts of the cluster (membership, connectivity, heartbeat)',
  usage: 'khutulun [--agent URL] hosts [-o table|wide|json|yaml] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const format = outputFormat(flagString(args, 'output'));
    if (args.positionals.length > 0) throw new UsageError('hosts takes no arguments');
    const hosts = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).hosts();
    // The documented JSON contract: an array of exactly these keys (yaml: everything the agent said).
    const data = format === 'json' ? hosts.map((h) => ({ name: h.name, address: h.address, connected: h.connected, lastSeen: h.lastSeen })) : hosts;
    const text = (wide: boolean): string =>
      table(
        ['NAME', 'ADDRESS', 'CONNECTED', 'LAST SEEN', 'CPUS', 'MEMORY', 'RUNTIMES', ...(wide ? ['ID', 'ADDRESSES'] : []), 'LABELS'],
        hosts.map((h) => [
          h.name + (h.self ? ' *' : ''),
          h.address,
          h.connected ? 'yes' : 'no',
          h.lastSeen,
          String(h.capacity.cpus),
          `${Math.round(h.capacity.memoryBytes / 2 ** 20)}Mi`,
          runtimes(h.capabilities),
          ...(wide ? [h.id, h.addresses.join(',')] : []),
          Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(','),
        ]),
      );
    io.stdout(await render(format, data, text));
    return 0;
  },
};
