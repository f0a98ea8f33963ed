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
import { asKhutulunError, silentLogger, stderrLogger, systemRandom } from '../../common/index.js';
import { clusterEngine, startAgent } from '../../agent/index.js';
import { livePageLine } from '../live-page.js';
import type { DeploymentPlan, DeploymentStatus } from '../../agent/index.js';

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

/** Prints a plan the way `khutulun plan` does (one line per change). */
export function planLines(plan: DeploymentPlan): string[] {
  const lines: string[] = [];
  for (const c of plan.changes) {
    lines.push(`  ${c.action.padEnd(11)} ${c.node}  (${c.reason})`);
    for (const p of c.properties ?? []) lines.push(`      ${p.name}: ${p.from ?? '(unset)'} -> ${p.to ?? '(unset)'}`);
  }
  for (const p of plan.service) lines.push(`  ${'service'.padEnd(11)} ${p.name}: ${p.from ?? '(unset)'} -> ${p.to ?? '(unset)'}`);
  return lines;
}

function failureLines(status: DeploymentStatus): string[] {
  const out: string[] = [];
  for (const n of status.nodes.filter((x) => x.state === 'error' || x.state === 'failing')) {
    out.push(`  ${n.id}: ${n.message ?? n.state}${n.hint ? ` (${n.hint})` : ''}`);
    for (const l of n.stderrTail ?? []) out.push(`    stderr| ${l}`);
  }
  return out;
}

export const upCommand: Command = {
  name: 'up',
  summary: 'deploy (or update) a TOSCA service on this host and supervise it until Ctrl-C (no daemon needed)',
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
    // A host is a cluster of one: the same agent and engine as `khutulun agent`, on loopback.
    const cluster = clusterEngine({ stateDir });
    // No open loopback API: a per-start random token, written only to the owner-only agent.json.
    const agent = await startAgent({ name: 'local', listen: '127.0.0.1:0', stateDir, token: systemRandom.hex(32), learnPeers: false, logger, engine: cluster.factory });
    try {
      const { engine: deployments, reconciler } = await cluster.opened();
      say(`khutulun: state in ${stateDir}, agent API at ${agent.url}`);
      say(`khutulun: ${livePageLine(agent)}`);
      let last = '';
      let pending: ReturnType<typeof setTimeout> | undefined;
      const show = (): void => {
        pending = undefined;
        void deployments.status(name).then((s) => {
          const line = progressLine(s);
          if (line !== last) say(`  ${line}`);
          last = line;
        }, () => undefined);
      };
      // Progress from the reconcile loop, at most every 200 ms: never a status read per transition.
      const unwatch = reconciler.subscribe((d) => {
        if (d === name && !pending) pending = setTimeout(show, 200);
      });
      const result = await deployments.deployFile(name, file, inputs, io.cwd);
      if (result.action === 'created') say(`khutulun: deploying ${name} from ${args.positionals[0]}`);
      else if (result.action === 'unchanged') say(`khutulun: ${name} exists and the template and inputs are unchanged`);
      else {
        say(`khutulun: updating ${name} from ${args.positionals[0]} (generation ${result.generation ?? '?'}):`);
        for (const l of planLines(result.plan!)) say(l);
      }
      const report = await deployments.settled(name);
      unwatch();
      if (pending) clearTimeout(pending);
      // The throttled progress may be behind: the settled states, once.
      const final = progressLine(await deployments.status(name));
      if (final !== last) say(`  ${final}`);
      last = final;
      if (report && !report.ok) {
        const status = await deployments.status(name);
        const failed = status.nodes.filter((n) => n.state === 'error');
        say(`khutulun: ${result.action === 'created' ? 'deploy' : 'update'} of ${name} failed: ${failed.length} node(s) failed: ${failed.map((n) => n.id).join(', ')}`);
        for (const l of failureLines(status)) say(l);
        say('khutulun: stopping what was started');
        await deployments.undeploy(name, { force: true }).catch((e: unknown) => say(`khutulun: ${asKhutulunError(e).toString()}`));
        return 1;
      }
      // Started is not up if the workload dies at once: give it a moment (crash loops show then).
      let settledStatus = await deployments.status(name);
      for (let i = 0; i < 4 && settledStatus.state === 'deployed'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        settledStatus = await deployments.status(name);
      }
      const outputs = await deployments.outputs(name);
      if (output === 'json') io.stdout(`${JSON.stringify(settledStatus.state === 'deployed' ? { outputs } : { outputs, state: settledStatus.state })}\n`);
      else if (settledStatus.state !== 'deployed') {
        io.stdout(`${name} is ${settledStatus.state}.\n`);
        for (const l of failureLines(settledStatus)) io.stdout(`${l}\n`);
        io.stdout('Supervision goes on (see `khutulun status`); press Ctrl-C to stop it.\n');
      } else {
        io.stdout(`${name} is up${result.action === 'updated' ? ' (updated)' : ''}.\n`);
        for (const [k, v] of Object.entries(outputs)) io.stdout(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
        io.stdout('Press Ctrl-C to stop it.\n');
      }
      // Supervision goes on: say so when a node starts failing (or recovers).
      let failing = settledStatus.nodes.filter((n) => n.state === 'failing' || n.state === 'error').map((n) => n.id).join(',');
      const watch = setInterval(() => {
        void deployments.status(name).then((s) => {
          const now = s.nodes.filter((n) => n.state === 'failing' || n.state === 'error').map((n) => n.id).join(',');
          if (now !== failing) {
            if (now) for (const l of [`khutulun: ${name} is ${s.state}:`, ...failureLines(s)]) say(l);
            else say(`khutulun: ${name} is ${s.state} again`);
          }
          failing = now;
        }, () => undefined);
      }, 1000);
      const signal = await untilSignal();
      clearInterval(watch);
      say(`khutulun: ${signal}: stopping ${name} in reverse dependency order`);
      await deployments.undeploy(name);
      say(`khutulun: ${name} stopped`);
      return 0;
    } finally {
      await agent.close().catch(() => undefined);
    }
  },
};
