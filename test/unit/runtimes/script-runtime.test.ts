/**
 * The script runtime against real shells: a script staged with its dependency runs from its own
 * folder with its inputs as environment and writes outputs; a failing script rejects with its
 * stderr tail; a script past its timeout is killed (its whole process group); an altered file is
 * refused before anything runs; a playbook without Ansible is a coded problem; the same script
 * runs inside another runtime's workload through that runtime's exec (the process runtime here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptRuntime, collectLogs, parseOutputs, sha256Of } from '../../../runtimes/index.js';
import type { ScriptSpec } from '../../../runtimes/index.js';
import { scratch } from './process-helpers.js';
import type { Scratch } from './process-helpers.js';

const dirs: string[] = [];
let s: Scratch | undefined;
afterEach(async () => {
  await s?.dispose();
  s = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kh-script-rt-'));
  dirs.push(d);
  return d;
}

function file(path: string, text: string): ScriptSpec['files'][number] {
  const bytes = Buffer.from(text);
  return { path, content: bytes.toString('base64'), sha256: sha256Of(bytes) };
}

function spec(files: ScriptSpec['files'], extra: Partial<ScriptSpec> = {}): ScriptSpec {
  return { kind: 'script', operation: 'Standard.create', interpreter: 'sh', primary: files[0]!.path, files, env: {}, timeoutMs: 20_000, ...extra };
}

const hasAnsible = ((): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v ansible-playbook'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('script runtime', () => {
  it('runs a script from its folder with its dependency, inputs as env, outputs written back, logs kept', async () => {
    const out = temp();
    const rt = new ScriptRuntime({ stateDir: temp() });
    const result = await rt.run(
      'd/nodes/app',
      spec([file('scripts/install.sh', '. ./lib.sh\necho "$GREETING $LIB" > "$TARGET/created"\necho installing\necho "token=abc=1" >> "$KHUTULUN_OUTPUTS"\necho warn >&2\n'), file('scripts/lib.sh', 'LIB=from-lib\n')], {
        env: { GREETING: 'hello', TARGET: out },
      }),
    );
    expect(readFileSync(join(out, 'created'), 'utf8')).toBe('hello from-lib\n');
    expect(result.outputs).toEqual({ token: 'abc=1' });
    const logs = await collectLogs(rt.logs('d/nodes/app'));
    expect(logs.stdout).toContain('installing');
    expect(logs.stderr).toBe('warn\n');
    expect(await rt.observe('d/nodes/app')).toMatchObject({ state: 'exited', exitCode: 0, info: { operation: 'Standard.create' } });
    expect(await rt.list()).toEqual([]);
    await rt.remove('d/nodes/app');
    expect(await rt.observe('d/nodes/app')).toBeUndefined();
  });

  it('rejects a failing script with the tail of its stderr', async () => {
    const rt = new ScriptRuntime({ stateDir: temp() });
    const run = rt.run('d/nodes/bad', spec([file('fail.sh', 'echo "disk quota exceeded on /var" >&2\nexit 3\n')]));
    await expect(run).rejects.toMatchObject({ code: 'KH-SCRIPT-FAILED', message: expect.stringContaining('disk quota exceeded on /var') });
    await expect(rt.run('d/nodes/bad', spec([file('fail.sh', 'exit 3\n')]))).rejects.toMatchObject({ message: expect.stringContaining('exited with 3') });
  });

  it('kills a script (and what it started) at its timeout', async () => {
    const rt = new ScriptRuntime({ stateDir: temp() });
    const marker = join(temp(), 'late');
    const t0 = Date.now();
    await expect(rt.run('d/nodes/slow', spec([file('slow.sh', `(sleep 2; touch ${marker}) &\nsleep 30\n`)], { timeoutMs: 300 }))).rejects.toMatchObject({ code: 'KH-SCRIPT-TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a file whose content does not match its hash, before running anything', async () => {
    const rt = new ScriptRuntime({ stateDir: temp() });
    const marker = join(temp(), 'ran');
    const f = file('x.sh', `touch ${marker}\n`);
    await expect(rt.run('d/nodes/x', spec([{ ...f, content: Buffer.from(`touch ${marker}; echo evil\n`).toString('base64') }]))).rejects.toMatchObject({ code: 'KH-SCRIPT-CHECKSUM' });
    expect(existsSync(marker)).toBe(false);
    await expect(rt.run('d/nodes/x', spec([file('../x.sh', 'true\n')]))).rejects.toMatchObject({ code: 'KH-SCRIPT-BAD-SPEC' });
  });

  it.skipIf(hasAnsible)('says a playbook needs Ansible where it is not installed', async () => {
    const rt = new ScriptRuntime({ stateDir: temp() });
    await expect(rt.run('d/nodes/pb', spec([file('site.yml', '- hosts: localhost\n  tasks: []\n')], { interpreter: 'ansible-playbook' }))).rejects.toMatchObject({
      code: 'KH-SCRIPT-NO-INTERPRETER',
      hint: expect.stringContaining('install Ansible'),
    });
  });

  it.runIf(hasAnsible)('runs a playbook where Ansible is installed', async () => {
    const rt = new ScriptRuntime({ stateDir: temp() });
    const out = temp();
    const pb = `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - copy: { dest: "${out}/pb", content: "{{ lookup('env', 'GREETING') }}" }\n`;
    await rt.run('d/nodes/pb', spec([file('site.yml', pb)], { interpreter: 'ansible-playbook', env: { GREETING: 'hi' }, timeoutMs: 120_000 }));
    expect(readFileSync(join(out, 'pb'), 'utf8')).toBe('hi');
  });

  it('runs inside another runtime workload through its exec (the process runtime)', async () => {
    s = scratch();
    const proc = s.adapter();
    await proc.ensure('d/nodes/host', { kind: 'process', command: 'sleep', args: ['60'], env: { HOSTED: 'inside-env' } });
    const rt = new ScriptRuntime({ stateDir: temp() });
    const out = temp();
    const result = await rt.run('d/nodes/app', spec([file('scripts/in.sh', '. ./lib.sh\necho "$A $LIB" > "$OUT/inside"\necho "where=$(pwd)" >> "$KHUTULUN_OUTPUTS"\necho done-inside\n'), file('scripts/lib.sh', 'LIB=lib\n')], { env: { A: "it's", OUT: out } }), {
      inside: { adapter: proc, workload: 'd/nodes/host' },
    });
    expect(readFileSync(join(out, 'inside'), 'utf8')).toBe("it's lib\n");
    expect(result.outputs.where).toMatch(/\/scripts$/);
    const logs = await collectLogs(rt.logs('d/nodes/app'));
    expect(logs.stdout).toContain('done-inside');
    expect(logs.stdout).not.toContain('khutulun-outputs');
    await expect(rt.run('d/nodes/app', spec([file('f.sh', 'echo inner-failure >&2; exit 4\n')]), { inside: { adapter: proc, workload: 'd/nodes/host' } })).rejects.toMatchObject({
      code: 'KH-SCRIPT-FAILED',
      message: expect.stringContaining('inner-failure'),
    });
    // The timeout holds inside too (engines cannot kill an exec'd command: the program does).
    const t0 = Date.now();
    await expect(rt.run('d/nodes/app', spec([file('slow.sh', 'sleep 30\n')], { timeoutMs: 1000 }), { inside: { adapter: proc, workload: 'd/nodes/host' } })).rejects.toMatchObject({ code: 'KH-SCRIPT-TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('parses name=value outputs and reports other lines (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    const value = fc.string({ maxLength: 20 }).filter((v) => !v.includes('\n') && !v.includes('\r'));
    fc.assert(
      fc.property(fc.dictionary(name, value), (record) => {
        const text = Object.entries(record).map(([k, v]) => `${k}=${v}`).join('\n');
        expect(parseOutputs(`# comment\n\n${text}\n`)).toEqual({ outputs: record, bad: [] });
      }),
    );
    expect(parseOutputs('no equals\n=x\nok=1').bad).toEqual(['no equals', '=x']);
  });
});
