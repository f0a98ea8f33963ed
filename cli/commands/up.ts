/**
 * `khutulun up FILE [--name NAME] [--input NAME=VALUE]... [--state DIR] [-o json]` — the main job:
 * an embedded single-host agent in the foreground. Deploys FILE, shows which node is in which state,
 * prints the service outputs (`-o json`: one line `{"outputs": {...}}`), keeps supervising until
 * SIGINT/SIGTERM, then stops everything it started in reverse dependency order and exits 0.
 * The agent API listens on loopback with a per-start random token recorded (mode 0600, folder 0700)
 * in the state dir, so `khutulun status NAME` from another terminal of the same user reaches it and
 * nobody else does (docs/security.md).
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { format } from 'node:util';
import type { Command, CliIo } from '../command.js';
import { flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
import { stateDirOf } from '../client.js';
import { asKhutulunError, silentLogger, systemClock, systemRandom, stderrLogger } from '../../common/index.js';
import { startAgent } from '../../agent/index.js';
import { loadOrCreateIdentity } from '../../agent/host-identity.js';
import { openLocalHost } from '../../agent/local-host.js';
import { StoreDeploymentEngine } from '../../agent/store-engine.js';
import type { DeploymentStatus } from '../../agent/index.js';

/** `examples/hello-web/service.yaml` -> `hello-web`; `web.yaml` -> `web`. */
export function defaultName(file: string): string {
  const stem = basename(file, extname(file));
  const raw = stem === 'service' || stem === 'main' || stem === '' ? basename(dirname(resolve(file))) : stem;
  const name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name || 'service';
}

/** Resolves on the first SIGINT or SIGTERM (and stops listening then). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolveSignal(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

function progressLine(status: DeploymentStatus): string {
  return status.nodes.map((n) => `${n.template === n.id.split('/').pop() ? n.template : n.id.split('/').pop()}=${n.state}`).join(' ');
}

export const upCommand: Command = {
  name: 'up',
  summary: 'deploy a TOSCA service on this host and supervise it until Ctrl-C (no daemon needed)',
  usage: 'khutulun up FILE [--name NAME] [--input NAME=VALUE]... [--state DIR] [-o json] [--verbose]',
  async run(argv, io: CliIo, globals) {
    const args = parseArgs(argv, {
      name: { value: true },
      input: { value: true, repeat: true },
      state: { value: true },
      output: { value: true, short: 'o' },
      verbose: {},
    });
    const output = flagString(args, 'output') ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`unknown output format "${output}"`, 'use -o json');
    if (args.positionals.length !== 1) throw new UsageError('up takes exactly one FILE', 'for example: khutulun up examples/hello-web/service.yaml');
    const file = resolve(io.cwd, args.positionals[0]!);
    const name = flagString(args, 'name') ?? defaultName(file);
    const inputs = Object.fromEntries(parseAssignments(flagList(args, 'input')));
    const stateDir = stateDirOf(io, flagString(args, 'state') ?? globals.state);
    const logger = args.flags['verbose'] ? stderrLogger('debug') : silentLogger;
    const say = (text: string): void => io.stderr(`${text}\n`);

    // automerge-repo prints diagnostics with console.log, even after the store closed: stdout stays
    // the outputs' (one JSON line), so for the rest of this (foreground) process they go to stderr.
    console.log = (...a: unknown[]): void => void process.stderr.write(`${format(...a)}\n`);
    const identity = loadOrCreateIdentity(stateDir, 'local', systemRandom);
    const host = await openLocalHost({ hostId: identity.id, stateDir, logger });
    let engine: StoreDeploymentEngine | undefined;
    let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
    try {
      agent = await startAgent({
        name: identity.name,
        listen: '127.0.0.1:0',
        stateDir,
        // No open loopback API: a per-start random token, written only to the owner-only agent.json.
        token: systemRandom.hex(32),
        logger,
        engine: ({ events }) =>
          (engine = new StoreDeploymentEngine({ store: host.store, engine: host.engine, hostId: identity.id, stateDir, events, sources: host.sources, clock: systemClock, logger })),
      });
      const deployments = engine!;
      say(`khutulun: state in ${stateDir}, agent API at ${agent.url}`);
      say(`khutulun: deploying ${name} from ${args.positionals[0]}`);
      let last = '';
      const unwatch = host.engine.inspect((e) => {
        void deployments.status(name).then((s) => {
          const line = progressLine(s);
          if (line !== last) say(`  ${line}`);
          last = line;
        }, () => undefined);
        if (e.error && e.to === 'error') say(`  ${e.vertex}: ${e.error.code}: ${e.error.message}${e.error.hint ? ` (${e.error.hint})` : ''}`);
      });
      await deployments.deployFile(name, file, inputs, io.cwd);
      const report = await deployments.settled(name);
      unwatch();
      if (report && !report.ok) {
        say(`khutulun: deploy of ${name} failed: ${report.error?.message ?? 'a node failed'}`);
        for (const f of report.failed) say(`  ${f.vertex}: ${f.error ? `${f.error.code}: ${f.error.message}${f.error.hint ? ` (${f.error.hint})` : ''}` : f.phase}`);
        say('khutulun: stopping what was started');
        await deployments.undeploy(name).catch((e: unknown) => say(`khutulun: ${asKhutulunError(e).toString()}`));
        return 1;
      }
      const outputs = await deployments.outputs(name);
      if (output === 'json') io.stdout(`${JSON.stringify({ outputs })}\n`);
      else {
        io.stdout(`${name} is up.\n`);
        for (const [k, v] of Object.entries(outputs)) io.stdout(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
        io.stdout('Press Ctrl-C to stop it.\n');
      }
      const signal = await untilSignal();
      say(`khutulun: ${signal}: stopping ${name} in reverse dependency order`);
      await deployments.undeploy(name);
      say(`khutulun: ${name} stopped`);
      return 0;
    } finally {
      engine?.close();
      await agent?.close().catch(() => undefined);
      await host.close().catch(() => undefined);
    }
  },
};
