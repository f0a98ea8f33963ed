/**
 * The CLI's manners: help on every verb (with examples), --version, unknown verbs and options,
 * -o parsing, completion scripts that a real bash uses, and output that survives a reader going
 * away (`khutulun --help | true`) without an EPIPE stack trace.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { commands } from '../../../cli/commands/index.js';
import { outputFormat, render } from '../../../cli/output.js';
import { bashCompletion, zshCompletion } from '../../../cli/completion-script.js';
import { root } from './up-helpers.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd: process.cwd() });
  return { code, out, err };
}

describe('khutulun CLI manners', () => {
  it('prints the verbs, global options and exit codes with --help and -h', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: khutulun \[global options\] VERB/);
      for (const c of commands) expect(r.out).toContain(`  ${c.name} `);
      expect(r.out).toContain('exit codes:');
      expect(r.out).toContain('--log-format');
    }
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('usage: khutulun');
  });

  it('answers --help on every verb (with examples), before parsing its options', async () => {
    for (const c of commands) {
      for (const argv of [[c.name, '--help'], [c.name, '-h'], ['help', c.name], [c.name, '--bogus', '--help']]) {
        const r = await run(argv);
        expect(r.code, `${argv.join(' ')}`).toBe(0);
        expect(r.out).toContain(`usage: ${c.usage.split('\n')[0]}`);
        expect(r.out).toMatch(/examples:\n {2}.*khutulun/);
      }
    }
    // After `--` the words are the remote command's: `exec … -- cmd --help` is not a help request.
    const exec = await run(['--agent', 'http://127.0.0.1:9', 'exec', 'a', 'b', '--', 'ls', '--help']);
    expect(exec.out).not.toContain('usage:');
    expect(exec.err).toContain('KH-CLIENT-001');
  });

  it('prints the version, refuses unknown verbs and options with exit 2', async () => {
    const pkg = (await import('../../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect((await run(['--version'])).out).toBe(`khutulun ${pkg.version}\n`);
    expect((await run(['-V'])).out).toBe(`khutulun ${pkg.version}\n`);
    expect(JSON.parse((await run(['version', '-o', 'json'])).out)).toMatchObject({ version: pkg.version });
    const verb = await run(['deploi']);
    expect(verb.code).toBe(2);
    expect(verb.err).toContain('unknown verb "deploi"');
    const opt = await run(['--colour']);
    expect(opt.code).toBe(2);
    const flag = await run(['status', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('khutulun status --help');
    expect((await run(['--log-format', 'xml', 'version'])).code).toBe(2);
  });

  it('parses and renders -o json|yaml|table|wide', async () => {
    expect(outputFormat(undefined)).toBe('table');
    expect(outputFormat('text')).toBe('table');
    expect(outputFormat('wide')).toBe('wide');
    expect(() => outputFormat('xml', ['table', 'json'])).toThrow(expect.objectContaining({ code: 'KH-CLI-USAGE', hint: 'use -o table|json' }));
    expect(await render('json', { a: 1 }, () => 'x')).toBe('{"a":1}\n');
    expect(await render('yaml', { a: [1] }, () => 'x')).toBe('a:\n  - 1\n');
    expect(await render('wide', {}, (wide) => (wide ? 'W' : 'N'))).toBe('W');
  });

  it('completes verbs, options and -o formats in a real bash', () => {
    const script = bashCompletion(commands);
    const complete = (line: string[]): string[] => {
      const words = line.map((w) => `'${w}'`).join(' ');
      const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _khutulun; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(complete(['khutulun', 'lo'])).toEqual(['logs']);
    expect(complete(['khutulun', '--agent', 'http://x', 'ex'])).toEqual(['exec']);
    expect(complete(['khutulun', 'logs', 'web', '--fo'])).toEqual(['--follow']);
    expect(complete(['khutulun', 'hosts', '-o', ''])).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(complete(['khutulun', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh']));
    const zsh = zshCompletion(commands);
    expect(zsh.startsWith('#compdef khutulun')).toBe(true);
    for (const c of commands) expect(zsh).toContain(`(${c.name}) opts=(`);
  });

  it('exits cleanly when the reader of its output goes away (no EPIPE stack trace)', () => {
    const launcher = path.join(root, 'test/unit/cli/up-launcher.ts');
    for (const args of ['--help', 'completion bash']) {
      // `true` exits at once, long before node has started: every write meets a closed pipe.
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" --import tsx "${launcher}" ${args} | true`], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).not.toMatch(/EPIPE|Error/);
      expect(r.status).toBe(0);
    }
  });
});
