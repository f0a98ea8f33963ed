/**
 * Pure pieces of a script run: the spec checked, files verified against their hashes, the
 * outputs file parsed, a stderr tail cut, and the one `sh -c` program that stages and runs a
 * script inside a workload (where only the workload's exec reaches).
 */
import { createHash } from 'node:crypto';
import type { ScriptSpec } from '../workload.js';
import { ScriptErrorCodes, scriptError } from './errors.js';

export const INTERPRETERS: readonly ScriptSpec['interpreter'][] = ['sh', 'bash', 'python3', 'ansible-playbook'];
/** Printed on stderr by the in-workload watchdog when it killed the script at its timeout. */
export const TIMEOUT_MARK = 'khutulun: the script ran past its timeout and was killed';
/** Marks where a script's stdout ends and its outputs file begins, when it ran inside a workload. */
export const OUTPUTS_MARK = '--khutulun-outputs-7f3a--';
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A relative path that stays inside the work folder (no `..`, not absolute, no empty parts). */
export function safeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function checkScriptSpec(id: string, spec: ScriptSpec): void {
  const bad = (problem: string): never => {
    throw scriptError(ScriptErrorCodes.badSpec, `script spec of ${id} is invalid: ${problem}`, 'recompile the template (khutulun compile) and deploy it again', { workload: id });
  };
  if (spec.kind !== 'script') bad(`kind is ${JSON.stringify(spec.kind)}, not "script"`);
  if (!INTERPRETERS.includes(spec.interpreter)) bad(`unknown interpreter ${JSON.stringify(spec.interpreter)}`);
  if (!Array.isArray(spec.files) || spec.files.length === 0) bad('no files');
  for (const f of spec.files) if (typeof f.path !== 'string' || !safeRelativePath(f.path)) bad(`file path ${JSON.stringify(f.path)} leaves the work folder`);
  if (!spec.files.some((f) => f.path === spec.primary)) bad(`the primary ${spec.primary} is not among its files`);
  if (!Number.isFinite(spec.timeoutMs) || spec.timeoutMs <= 0) bad('timeoutMs must be a positive number');
  for (const k of Object.keys(spec.env ?? {})) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) bad(`environment variable name ${JSON.stringify(k)}`);
}

export function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The bytes of each file, checked against its recorded hash (a mismatch is refused, coded). */
export function verifiedFiles(id: string, spec: ScriptSpec): Array<{ path: string; bytes: Buffer }> {
  return spec.files.map((f) => {
    const bytes = Buffer.from(f.content, 'base64');
    const actual = sha256Of(bytes);
    if (actual !== f.sha256) {
      throw scriptError(ScriptErrorCodes.checksum, `script file ${f.path} of ${id} does not match its hash (${actual}, recorded ${f.sha256})`, 'the desired state was altered: recompile and deploy the template again', { workload: id, file: f.path });
    }
    return { path: f.path, bytes };
  });
}

/**
 * The outputs a script wrote to `$KHUTULUN_OUTPUTS`: one `name=value` per line (as GitHub's
 * $GITHUB_OUTPUT). Blank lines and `#` comments are skipped; other lines are reported as bad.
 */
export function parseOutputs(text: string): { outputs: Record<string, string>; bad: string[] } {
  const outputs: Record<string, string> = {};
  const bad: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!OUTPUT_NAME.test(name)) {
      bad.push(line);
      continue;
    }
    outputs[name] = line.slice(eq + 1);
  }
  return { outputs, bad };
}

/** The last `max` characters of a text, from a line start when one is near (for error messages). */
export function textTail(text: string, max = 2000): string {
  const t = text.trimEnd();
  if (t.length <= max) return t;
  const cut = t.slice(t.length - max);
  const nl = cut.indexOf('\n');
  return `…${nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut}`;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One POSIX sh program that stages the files in a fresh temporary folder inside the workload, runs
 * the script there with its environment, prints OUTPUTS_MARK and the outputs file, cleans up and
 * exits with the script's code. Needs sh, mktemp and base64 in the workload.
 */
export function insideProgram(spec: ScriptSpec, files: ReadonlyArray<{ path: string; bytes: Buffer }>): string {
  const lines = ['set -e', 'd=$(mktemp -d)', 'cd "$d"'];
  for (const f of files) {
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    if (dir) lines.push(`mkdir -p ${quote(dir)}`);
    lines.push(`printf %s ${quote(f.bytes.toString('base64'))} | base64 -d > ${quote(f.path)}`);
  }
  lines.push(`chmod +x ${quote(spec.primary)}`);
  // From the script's own folder, as on the host.
  const slash = spec.primary.lastIndexOf('/');
  if (slash > 0) lines.push(`cd ${quote(spec.primary.slice(0, slash))}`);
  for (const [k, v] of Object.entries(spec.env)) lines.push(`export ${k}=${quote(v)}`);
  lines.push('export KHUTULUN_OUTPUTS="$d/.khutulun-outputs"', ': > "$KHUTULUN_OUTPUTS"', `export KHUTULUN_OPERATION=${quote(spec.operation)}`, 'set +e');
  // The timeout is enforced in the workload too (engines cannot kill an exec'd command): a
  // watchdog with its own quiet fds (so it never holds the exec's output open) kills the script.
  const secs = Math.max(1, Math.ceil(spec.timeoutMs / 1000));
  // setsid (where the workload has it) gives the script a process group of its own, so the watchdog
  // kills what it started too (whose open pipes would otherwise hold the exec open).
  lines.push('if command -v setsid >/dev/null 2>&1; then grp=setsid; else grp=; fi');
  lines.push(`$grp ${spec.interpreter} ${quote(spec.primary.slice(slash + 1))} </dev/null &`, 'pid=$!');
  const kill = (sig: string): string => `{ kill -${sig} -$pid || kill -${sig} $pid; }`;
  lines.push(`( sleep ${secs} && touch "$d/.timedout" && ${kill('TERM')} && sleep 3 && ${kill('KILL')} ) </dev/null >/dev/null 2>&1 &`, 'dog=$!');
  lines.push('wait $pid', 'rc=$?', 'kill $dog 2>/dev/null');
  lines.push(`if [ -f "$d/.timedout" ]; then echo ${quote(TIMEOUT_MARK)} >&2; rc=124; fi`);
  lines.push(`printf '\\n%s\\n' ${quote(OUTPUTS_MARK)}`, 'cat "$KHUTULUN_OUTPUTS"', 'cd /', 'rm -rf "$d"', 'exit $rc');
  return lines.join('\n');
}

/** Splits the stdout of an inside run into the script's own output and its outputs file. */
export function splitInsideStdout(stdout: string): { stdout: string; outputsText: string } {
  const at = stdout.lastIndexOf(`\n${OUTPUTS_MARK}\n`);
  if (at < 0) return { stdout, outputsText: '' };
  return { stdout: stdout.slice(0, at), outputsText: stdout.slice(at + OUTPUTS_MARK.length + 2) };
}
