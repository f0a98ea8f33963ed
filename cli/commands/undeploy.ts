import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { outputJson } from './status.js';
import { progressView } from '../live-progress.js';
import type { ProgressView } from '../live-progress.js';
import type { DeploymentStatus } from '../../agent/index.js';

/** Redraws NAME's status every 500 ms (a terminal only) until `work` settles. */
async function showWhile<T>(work: Promise<T>, status: () => Promise<DeploymentStatus>, view: ProgressView): Promise<T> {
  let settled = false;
  const done = work.finally(() => void (settled = true));
  void (async () => {
    while (!settled) {
      const s = await status().catch(() => undefined);
      if (!s || settled) break;
      view.show(s);
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    }
  })();
  try {
    return await done;
  } finally {
    view.end();
  }
}

export const undeployCommand: Command = {
  name: 'undeploy',
  summary: 'stop a deployment (reverse dependency order) and remove it',
  usage: 'khutulun [--agent URL] undeploy NAME [--force] [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { output: { value: true, short: 'o' }, state: { value: true }, force: {} });
    const json = outputJson(flagString(args, 'output'));
    const name = args.positionals[0];
    if (!name || args.positionals.length > 1) throw new UsageError('undeploy takes exactly one NAME');
    const force = args.flags['force'] === true;
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    // On a terminal the nodes stopping in reverse order are shown live; elsewhere only the result.
    const status = io.stderrIsTty && !json ? await showWhile(client.undeploy(name, force), () => client.status(name), progressView(io.stderr, true, io.columns)) : await client.undeploy(name, force);
    if (json) io.stdout(JSON.stringify(status) + '\n');
    else {
      io.stdout(`deployment ${status.name}: ${status.state}${force ? ' (forced)' : ''}\n`);
      // --force removed the record without every owner's confirmation: say what may still run.
      for (const n of status.leftBehind ?? []) io.stderr(`  may be left behind: ${n.id} on ${n.host} (${n.state}${n.message ? `: ${n.message}` : ''})\n`);
    }
    return status.nodes.some((n) => n.state === 'error') ? 1 : 0;
  },
};
