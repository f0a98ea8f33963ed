/**
 * `khutulun doctor [--state DIR] [-o json]`: checks a state folder (read only) and says what is
 * wrong and how to fix it; when its agent answers, also which running workloads no deployment
 * accounts for. Exit 0 when nothing is wrong, 1 when something is (warnings do not fail).
 */
import { diagnoseStateDir } from '../../agent/doctor.js';
import { flagString, parseArgs, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget, stateDirOf } from '../client.js';
import type { Command } from '../command.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check a state folder: permissions, records, document chunks, workloads; say how to fix what is wrong',
  usage: 'khutulun doctor [--state DIR] [-o json]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { state: { value: true }, output: { value: true, short: 'o' } });
    if (args.positionals.length > 0) throw new UsageError('doctor takes no arguments', 'for example: khutulun doctor --state /var/lib/khutulun');
    const dir = stateDirOf(io, flagString(args, 'state') ?? globals.state);
    // The agent of the folder, when it answers, says which deployments exist.
    let deployed: Set<string> | undefined;
    try {
      const list = await new AgentClient(resolveAgentTarget({ ...globals, state: dir }, io)).list();
      deployed = new Set(list.map((d) => d.name));
    } catch {
      deployed = undefined;
    }
    const report = diagnoseStateDir(dir, deployed);
    if (flagString(args, 'output') === 'json') io.stdout(`${JSON.stringify(report)}\n`);
    else {
      io.stdout(`state folder ${dir}\n`);
      for (const f of report.findings) {
        io.stdout(`${f.severity === 'ok' ? 'ok   ' : f.severity === 'warn' ? 'WARN ' : 'ERROR'} ${f.check}: ${f.message}${f.file && f.severity !== 'ok' ? `\n      file: ${f.file}` : ''}${f.fix && f.severity !== 'ok' ? `\n      fix: ${f.fix}` : ''}\n`);
      }
    }
    return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
  },
};
