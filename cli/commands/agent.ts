import { resolve } from 'node:path';
import { stderrLogger } from '../../common/index.js';
import type { LogLevel } from '../../common/index.js';
import { parseLabels, startAgent } from '../../agent/index.js';
import type { Agent, AgentOptions } from '../../agent/index.js';
import { flagList, flagString, parseArgs, UsageError } from '../args.js';
import { readTokenFile } from '../../agent/credentials.js';
import { DEFAULT_HTTP_LIMITS } from '../../agent/http-limits.js';
import type { HttpLimits } from '../../agent/http-limits.js';
import { tokenInArgv } from '../token-source.js';
import { livePageLine } from '../live-page.js';
import type { ParsedArgs } from '../args.js';
import type { CliIo, Command, GlobalOptions } from '../command.js';
import { clusterEngine } from '../../agent/cluster-engine.js';
import { parseDisconnectPolicy } from '../../agent/disconnect-option.js';
import type { DisconnectPolicy } from '../../scheduler/index.js';

const USAGE =
  'khutulun agent --name NAME --listen HOST:PORT [--peer HOST:PORT]... [--state DIR] [--token-file FILE] [--credentials FILE] [--labels k=v,...] ' +
  '[--allow-host NAME]... [--limit NAME=VALUE]... [--cluster NAME] [--advertise HOST:PORT] [--heartbeat-ms MS] [--disconnect replace=true,lost-after-ms=N,...] [--log-level debug|info|warn|error] ' +
  '[--tls-cert FILE --tls-key FILE --tls-ca FILE] [--history-retention DAYS]';

/** Parses the agent command line into AgentOptions (shared with `khutulun up`). */
export function agentOptionsFromArgs(argv: string[], io: CliIo, globals: GlobalOptions): AgentOptions & { disconnect?: DisconnectPolicy; historyRetentionMs?: number } {
  const args = parseArgs(argv, {
    name: { value: true },
    listen: { value: true },
    peer: { value: true, repeat: true },
    state: { value: true },
    token: { value: true },
    'token-file': { value: true },
    credentials: { value: true },
    'allow-host': { value: true, repeat: true },
    limit: { value: true, repeat: true },
    labels: { value: true },
    cluster: { value: true },
    advertise: { value: true },
    'log-level': { value: true },
    'heartbeat-ms': { value: true },
    disconnect: { value: true },
    'tls-cert': { value: true },
    'tls-key': { value: true },
    'tls-ca': { value: true },
    'history-retention': { value: true },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const name = flagString(args, 'name');
  if (!name) throw new UsageError('--name is required', 'for example --name edge-1');
  const level = (flagString(args, 'log-level') ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`unknown log level "${level}"`);
  const state = flagString(args, 'state') ?? globals.state;
  if (flagString(args, 'token') !== undefined) throw tokenInArgv();
  const tokenFile = flagString(args, 'token-file');
  const token = tokenFile !== undefined ? readTokenFile(resolve(io.cwd, tokenFile)) : globals.token;
  const credentials = flagString(args, 'credentials');
  const labels = flagString(args, 'labels');
  const cluster = flagString(args, 'cluster');
  const advertise = flagString(args, 'advertise');
  const heartbeat = flagString(args, 'heartbeat-ms');
  if (heartbeat !== undefined && !/^\d+$/.test(heartbeat)) throw new UsageError(`--heartbeat-ms wants a number of milliseconds, got "${heartbeat}"`, 'for example --heartbeat-ms 1000');
  const tls = tlsFromArgs(args, io, globals);
  const retention = flagString(args, 'history-retention');
  if (retention !== undefined && !/^\d{1,5}$/.test(retention)) throw new UsageError(`--history-retention wants a number of days, got "${retention}"`, 'for example --history-retention 30 (0: drop archives at once)');
  const disconnectText = flagString(args, 'disconnect');
  let disconnect: DisconnectPolicy | undefined;
  try {
    disconnect = disconnectText === undefined ? undefined : parseDisconnectPolicy(disconnectText);
  } catch (error) {
    const e = error as { message?: string; hint?: string };
    throw new UsageError(String(e.message), e.hint);
  }
  return {
    ...(disconnect ? { disconnect } : {}),
    ...(retention !== undefined ? { historyRetentionMs: Number(retention) * 24 * 3600_000 } : {}),
    name,
    listen: flagString(args, 'listen') ?? '127.0.0.1:7700',
    peers: flagList(args, 'peer'),
    ...(state !== undefined ? { stateDir: resolve(io.cwd, state) } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(credentials !== undefined ? { credentials: resolve(io.cwd, credentials) } : {}),
    allowedHosts: flagList(args, 'allow-host'),
    ...limitsFromArgs(flagList(args, 'limit')),
    ...(labels !== undefined ? { labels: parseLabels(labels) } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
    ...(advertise !== undefined ? { advertise } : {}),
    ...(heartbeat !== undefined ? { heartbeatMs: Number(heartbeat) } : {}),
    ...(tls ? { tls } : {}),
    logger: stderrLogger(level),
  };
}

/** `--limit maxConnectionsPerClient=128` (names and defaults: docs/security.md). */
function limitsFromArgs(items: readonly string[]): Pick<AgentOptions, 'limits'> {
  if (items.length === 0) return {};
  const limits: Record<string, number> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (eq <= 0 || !(key in DEFAULT_HTTP_LIMITS) || !/^\d+$/.test(value)) {
      throw new UsageError(`invalid --limit "${item}"`, `write NAME=INTEGER with NAME one of ${Object.keys(DEFAULT_HTTP_LIMITS).join(', ')}`);
    }
    limits[key] = Number(value);
  }
  return { limits: limits as Partial<HttpLimits> };
}

/**
 * Mutual TLS files: all three or none (a certificate without the CA would trust anyone, a CA
 * without a certificate could not serve). Falls back to the global --tls-* / $KHUTULUN_TLS_*, as
 * --token does. Whether the files are readable and match is checked when the agent starts.
 */
function tlsFromArgs(args: ParsedArgs, io: CliIo, globals: GlobalOptions): AgentOptions['tls'] {
  const cert = flagString(args, 'tls-cert') ?? globals.tlsCert;
  const key = flagString(args, 'tls-key') ?? globals.tlsKey;
  const ca = flagString(args, 'tls-ca') ?? globals.tlsCa;
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (cert === undefined || key === undefined || ca === undefined) {
    const missing = [cert === undefined && '--tls-cert', key === undefined && '--tls-key', ca === undefined && '--tls-ca'].filter(Boolean).join(', ');
    throw new UsageError(`mutual TLS needs --tls-cert, --tls-key and --tls-ca together; missing ${missing}`, 'scripts/tls/make-cluster-ca.sh makes a cluster CA and host certificates');
  }
  return { cert: resolve(io.cwd, cert), key: resolve(io.cwd, key), ca: resolve(io.cwd, ca) };
}

/** Runs an agent until `stop` settles (the command itself stops on SIGINT/SIGTERM). */
export async function runAgent(options: AgentOptions, io: CliIo, stop: Promise<unknown>): Promise<Agent> {
  const agent = await startAgent(options);
  io.stdout(`agent ${agent.name} (${agent.hostId}) listening on ${agent.url}\n`);
  io.stdout(`${livePageLine(agent)}\n`);
  await stop;
  await agent.close();
  return agent;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the long-lived host agent (sync + HTTP API + membership), deploying on this host',
  usage: USAGE,
  async run(argv, io, globals) {
    const { disconnect, historyRetentionMs, ...options } = agentOptionsFromArgs(argv, io, globals);
    const stop = new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
    const engine = clusterEngine({
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      ...(disconnect ? { policy: disconnect } : {}),
      ...(historyRetentionMs !== undefined ? { historyRetentionMs } : {}),
    });
    try {
      await runAgent({ ...options, engine: engine.factory }, io, stop);
    } finally {
      await engine.close();
    }
    return 0;
  },
};
