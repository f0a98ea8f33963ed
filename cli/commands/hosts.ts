import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputJson } from './status.js';
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
  usage: 'khutulun [--agent URL] hosts [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true } });
    const json = outputJson(flagString(args, 'output'));
    if (args.positionals.length > 0) throw new UsageError('hosts takes no arguments');
    const hosts = await new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state'))).hosts();
    if (json) {
      // The documented contract: an array of exactly these keys.
      io.stdout(JSON.stringify(hosts.map((h) => ({ name: h.name, address: h.address, connected: h.connected, lastSeen: h.lastSeen }))) + '\n');
      return 0;
    }
    io.stdout(
      table(
        ['NAME', 'ADDRESS', 'CONNECTED', 'LAST SEEN', 'CPUS', 'MEMORY', 'RUNTIMES', 'LABELS'],
        hosts.map((h) => [
          h.name + (h.self ? ' *' : ''),
          h.address,
          h.connected ? 'yes' : 'no',
          h.lastSeen,
          String(h.capacity.cpus),
          `${Math.round(h.capacity.memoryBytes / 2 ** 20)}Mi`,
          runtimes(h.capabilities),
          Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(','),
        ]),
      ),
    );
    return 0;
  },
};
