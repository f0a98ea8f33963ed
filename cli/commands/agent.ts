import { resolve } from 'node:path';
import { stderrLogger } from '../../common/index.js';
import type { LogLevel } from '../../common/index.js';
import { parseLabels, startAgent } from '../../agent/index.js';
import type { Agent, AgentOptions } from '../../agent/index.js';
import { flagBool, flagList, flagString, parseArgs, UsageError } from '../args.js';
import type { CliIo, Command, GlobalOptions } from '../command.js';
import { clusterEngine } from '../../agent/cluster-engine.js';

const USAGE =
  'khutulun agent --name NAME --listen HOST:PORT [--peer HOST:PORT]... [--state DIR] [--token T] [--labels k=v,...] ' +
  '[--allow-loopback] [--cluster NAME] [--advertise HOST:PORT] [--heartbeat-ms MS] [--log-level debug|info|warn|error]';

/** Parses the agent command line into AgentOptions (shared with `khutulun up`). */
export function agentOptionsFromArgs(argv: string[], io: CliIo, globals: GlobalOptions): AgentOptions {
  const args = parseArgs(argv, {
    name: { value: true },
    listen: { value: true },
    peer: { value: true, repeat: true },
    state: { value: true },
    token: { value: true },
    labels: { value: true },
    'allow-loopback': {},
    cluster: { value: true },
    advertise: { value: true },
    'log-level': { value: true },
    'heartbeat-ms': { value: true },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const name = flagString(args, 'name');
  if (!name) throw new UsageError('--name is required', 'for example --name edge-1');
  const level = (flagString(args, 'log-level') ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`unknown log level "${level}"`);
  const state = flagString(args, 'state') ?? globals.state;
  const token = flagString(args, 'token') ?? globals.token;
  const labels = flagString(args, 'labels');
  const cluster = flagString(args, 'cluster');
  const advertise = flagString(args, 'advertise');
  const heartbeat = flagString(args, 'heartbeat-ms');
  if (heartbeat !== undefined && !/^\d+$/.test(heartbeat)) throw new UsageError(`--heartbeat-ms wants a number of milliseconds, got "${heartbeat}"`, 'for example --heartbeat-ms 1000');
  return {
    name,
    listen: flagString(args, 'listen') ?? '127.0.0.1:7700',
    peers: flagList(args, 'peer'),
    ...(state !== undefined ? { stateDir: resolve(io.cwd, state) } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(labels !== undefined ? { labels: parseLabels(labels) } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
    ...(advertise !== undefined ? { advertise } : {}),
    ...(heartbeat !== undefined ? { heartbeatMs: Number(heartbeat) } : {}),
    allowLoopback: flagBool(args, 'allow-loopback'),
    logger: stderrLogger(level),
  };
}

/** Runs an agent until `stop` settles (the command itself stops on SIGINT/SIGTERM). */
export async function runAgent(options: AgentOptions, io: CliIo, stop: Promise<unknown>): Promise<Agent> {
  const agent = await startAgent(options);
  io.stdout(`agent ${agent.name} (${agent.hostId}) listening on ${agent.url}\n`);
  await stop;
  await agent.close();
  return agent;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the long-lived host agent (sync + HTTP API + membership), deploying on this host',
  usage: USAGE,
  async run(argv, io, globals) {
    const options = agentOptionsFromArgs(argv, io, globals);
    const stop = new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
    const engine = clusterEngine({ ...(options.stateDir ? { stateDir: options.stateDir } : {}) });
    try {
      await runAgent({ ...options, engine: engine.factory }, io, stop);
    } finally {
      await engine.close();
    }
    return 0;
  },
};
