/**
 * `khutulun run NAME [NODE] OPERATION [--input N=V]...` and `khutulun run NAME --workflow W`: an
 * interface operation, or a TOSCA imperative workflow, run by the owners of the nodes; prints the
 * result of every call. Exit 0 when all succeeded, 1 when one failed (its error is printed).
 */
import { flagList, flagString, parseArgs, parseAssignments, UsageError } from '../args.js';
import { AgentClient, resolveAgentTarget } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, inputsOf, parseDuration } from './day2-common.js';
import { table } from './table.js';

const EXAMPLE = 'for example: khutulun run db Maintenance.backup --input target=/tmp/db.bak, or khutulun run web --workflow rotate-logs';

export const runCommand: Command = {
  name: 'run',
  summary: 'run an interface operation on the nodes of a deployment, or one of its workflows',
  usage: 'khutulun [--agent URL] run NAME [NODE] OPERATION | run NAME --workflow W  [--input NAME=VALUE]... [--timeout 60s] [-o json] [--state DIR]',
  async run(argv, io, globals) {
    const args = parseArgs(argv, { input: { value: true, repeat: true }, workflow: { value: true }, timeout: { value: true }, state: { value: true }, output: { value: true, short: 'o' } });
    const workflow = flagString(args, 'workflow');
    const p = args.positionals;
    if (workflow !== undefined ? p.length !== 1 : p.length < 2 || p.length > 3) {
      throw new UsageError(workflow !== undefined ? 'run --workflow W takes only NAME' : 'run takes NAME, an optional NODE, and OPERATION (Interface.operation)', EXAMPLE);
    }
    const name = p[0]!;
    const operation = workflow === undefined ? p[p.length - 1]! : undefined;
    const node = workflow === undefined && p.length === 3 ? p[1]! : undefined;
    if (operation !== undefined && !/^[^.\s]+\.[^.\s]+$/.test(operation)) throw new UsageError(`OPERATION must be Interface.operation, not "${operation}"`, EXAMPLE);
    const timeoutMs = parseDuration(flagString(args, 'timeout'), 60_000);
    const client = new AgentClient(resolveAgentTarget(globals, io, flagString(args, 'state')));
    const report = await client.run(name, {
      ...(node !== undefined ? { node } : {}),
      ...(operation !== undefined ? { operation } : {}),
      ...(workflow !== undefined ? { workflow } : {}),
      inputs: inputsOf(parseAssignments(flagList(args, 'input'))),
      timeoutMs,
    });
    if (flagString(args, 'output') === 'json') {
      io.stdout(`${JSON.stringify(report)}\n`);
      return report.ok ? EXIT.ok : EXIT.failed;
    }
    const rows = report.results.map((r) => [
      ...(workflow !== undefined ? [r.step ?? ''] : []),
      r.node,
      r.host,
      r.operation,
      r.ok ? 'ok' : 'FAILED',
      `${r.ms} ms`,
      r.ok ? Object.entries(r.changed).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') : `${r.error?.code ?? ''}: ${r.error?.message ?? ''}`,
    ]);
    io.stdout(table([...(workflow !== undefined ? ['STEP'] : []), 'NODE', 'HOST', 'OPERATION', 'RESULT', 'TIME', 'DETAIL'], rows));
    if (report.steps) {
      const skipped = report.steps.filter((s) => s.state === 'skipped').map((s) => s.name);
      if (skipped.length > 0) io.stdout(`skipped: ${skipped.join(', ')}\n`);
    }
    const what = workflow !== undefined ? `workflow ${workflow}` : operation!;
    if (report.ok) {
      io.stdout(`${name}: ${what} succeeded\n`);
      return EXIT.ok;
    }
    const failed = report.results.find((r) => !r.ok);
    io.stderr(`${name}: ${what} failed${failed?.error?.hint ? `\nhint: ${failed.error.hint}` : ''}\n`);
    return EXIT.failed;
  },
};
