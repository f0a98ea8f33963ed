/**
 * What the Day-2 verbs share: reading a template and its inputs, printing a plan, and `--wait`:
 * following the deployment's status until it converged (exit 0), failed (1) or the timeout (3).
 */
import { readFile, stat } from 'node:fs/promises';
import { packFolder } from './pack-folder.js';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KhutulunError } from '../../common/index.js';
import type { DeploymentPlan } from '../../agent/index.js';
import { UsageError } from '../args.js';
import type { AgentClient } from '../client.js';
import type { CliIo } from '../command.js';
import { table } from './table.js';
import { progressView } from '../live-progress.js';

/** Exit codes of the verbs that start work (documented in docs/day2.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;

export async function readTemplate(io: CliIo, file: string): Promise<{ path: string; source: string; archive?: string }> {
  const path = resolve(io.cwd, file);
  try {
    // A CSAR travels whole (base64): its artifacts, e.g. plugin components, go with it.
    if (/\.(zip|csar|tar|tgz|tar\.gz)$/i.test(path)) return { path, source: '', archive: (await readFile(path)).toString('base64') };
    // A CSAR folder travels packed, with the scripts and plugin components beside its template.
    if ((await stat(path)).isDirectory()) return { path, source: '', archive: Buffer.from(packFolder(path)).toString('base64') };
    return { path, source: await readFile(path, 'utf8') };
  } catch (error) {
    if (error instanceof KhutulunError) throw error;
    throw new KhutulunError('KH-IO-001', `cannot read ${path}`, { hint: 'check the file path', cause: error });
  }
}

export function inputsOf(pairs: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of pairs) inputs[k] = parseYaml(v) as unknown;
  return inputs;
}

/** `30s`, `2m`, `500ms`, `1h` or a number of seconds -> milliseconds. */
export function parseDuration(text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid duration "${text}"`, 'write e.g. 30s, 2m, 500ms');
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

/** The plan as a table: ACTION, NODE, DETAIL (property old -> new, or why). */
export function planTable(plan: DeploymentPlan): string {
  const rows: string[][] = [];
  for (const c of plan.changes) {
    if (c.properties && c.properties.length > 0) for (const p of c.properties) rows.push([c.action, c.node, `${p.name}: ${p.from ?? '(unset)'} -> ${p.to ?? '(unset)'}`]);
    else rows.push([c.action, c.node, c.reason]);
  }
  for (const p of plan.service) rows.push(['service', p.name, `${p.from ?? '(unset)'} -> ${p.to ?? '(unset)'}`]);
  if (rows.length === 0) return `no changes (${plan.unchanged} node(s) unchanged)\n`;
  return table(['ACTION', 'NODE', 'DETAIL'], rows) + `${plan.unchanged} node(s) unchanged\n`;
}

/**
 * Follows NAME until it is deployed (0), failed or failing (1), or `timeoutMs` passed (3).
 * Progress goes to stderr: redrawn in place on a terminal, else one plain line per change (it may
 * be a log). cli/live-progress.ts.
 */
export async function waitConverged(client: AgentClient, name: string, timeoutMs: number, io: CliIo, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const view = progressView(io.stderr, io.stderrIsTty === true, io.columns);
  for (;;) {
    const s = await client.status(name);
    view.show(s);
    if (s.state === 'deployed') return EXIT.ok;
    if (s.state === 'failed' || s.state === 'failing') {
      view.end();
      for (const n of s.nodes.filter((x) => x.state === 'error' || x.state === 'failing')) {
        io.stderr(`  ${n.id}: ${n.state}${n.message ? `: ${n.message}` : ''}\n`);
        for (const l of n.stderrTail ?? []) io.stderr(`    stderr| ${l}\n`);
      }
      return EXIT.failed;
    }
    if (Date.now() >= deadline) {
      view.end();
      io.stderr(`${name} did not converge within ${Math.round(timeoutMs / 1000)} s (it goes on: see \`khutulun status ${name}\`)\n`);
      return EXIT.timeout;
    }
    await sleep(500);
  }
}
