/**
 * CLI entry: `khutulun [--agent URL] [--token-file FILE] [--tls-* FILE] VERB [options]`. Exit codes (cli/help.ts, docs/cli.md):
 * 0 ok, 1 the operation failed (invalid input, failed deployment, unreachable agent), 2 usage or I/O error.
 * Each verb's module is loaded only when it runs (cli/commands/index.ts), and output survives a
 * reader that goes away (`khutulun --help | head -1`): writes after EPIPE are dropped, not thrown.
 */
// errors.js itself, not common/index.js: `version` and `--help` load nothing they do not use.
import { KhutulunError, asKhutulunError } from '../common/errors.js';
import type { CliIo, GlobalOptions } from './command.js';
import { commands, findCommand } from './commands/index.js';
import { commandHelp, globalHelp, wantsHelp } from './help.js';
import { packageVersion } from './package-info.js';

/** process.stdout that turns EPIPE into "the reader left": later writes are dropped and `closed` aborts. */
function processStdout(): { write: (text: string) => void; closed: AbortSignal } {
  const closed = new AbortController();
  const onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      if (!closed.signal.aborted) closed.abort();
      return;
    }
    process.stderr.write(`khutulun: cannot write to stdout: ${error.message}\n`);
    process.exitCode = 2;
    if (!closed.signal.aborted) closed.abort();
  };
  process.stdout.on('error', onError);
  return {
    write: (text) => {
      if (closed.signal.aborted || process.stdout.destroyed) return;
      process.stdout.write(text);
    },
    closed: closed.signal,
  };
}

export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const out = io?.stdout ? undefined : processStdout();
  const cio: CliIo = {
    stdout: io?.stdout ?? out!.write,
    stderr: io?.stderr ?? ((t) => void process.stderr.write(t)),
    env: io?.env ?? process.env,
    cwd: io?.cwd ?? process.cwd(),
    ...(io?.stdoutClosed ?? out?.closed ? { stdoutClosed: (io?.stdoutClosed ?? out?.closed)! } : {}),
    stdoutIsTty: io?.stdoutIsTty ?? (io?.stdout ? false : process.stdout.isTTY === true),
    stderrIsTty: io?.stderrIsTty ?? (io?.stderr ? false : process.stderr.isTTY === true),
    ...(io?.columns !== undefined ? { columns: io.columns } : !io?.stderr && process.stderr.isTTY ? { columns: process.stderr.columns } : {}),
  };
  const globals: GlobalOptions = {};
  // Like the token, the TLS files may come from the environment; flags override.
  const tlsFlags = { '--tls-cert': 'tlsCert', '--tls-key': 'tlsKey', '--tls-ca': 'tlsCa' } as const;
  const tlsEnv = { tlsCert: 'KHUTULUN_TLS_CERT', tlsKey: 'KHUTULUN_TLS_KEY', tlsCa: 'KHUTULUN_TLS_CA' } as const;
  for (const [key, env] of Object.entries(tlsEnv) as Array<[keyof typeof tlsEnv, string]>) {
    const v = cio.env[env];
    if (v) globals[key] = v;
  }
  const args = [...argv];
  let tokenFile: string | undefined;
  while (args[0]?.startsWith('-')) {
    const a = args.shift()!;
    if (a === '--help' || a === '-h') {
      cio.stdout(globalHelp(commands));
      return 0;
    }
    if (a === '--version' || a === '-V') {
      cio.stdout(`khutulun ${packageVersion()}\n`);
      return 0;
    }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = inline ?? args.shift();
    if (flag === '--agent' && value) globals.agent = value;
    else if (flag === '--token') {
      // Secrets never in argv: any local user reads another's command line with `ps`.
      const { tokenInArgv } = await import('./token-source.js');
      cio.stderr(`khutulun: ${tokenInArgv().toString()}\n`);
      return 2;
    } else if (flag === '--token-file' && value) tokenFile = value;
    else if (flag === '--state' && value) globals.state = value;
    else if ((flag === '--tls-cert' || flag === '--tls-key' || flag === '--tls-ca') && value) globals[tlsFlags[flag]] = value;
    else if (flag === '--log-format' && (value === 'json' || value === 'text')) cio.env['KHUTULUN_LOG_FORMAT'] = value;
    else {
      cio.stderr(
        flag === '--log-format'
          ? `khutulun: --log-format wants text or json, got "${value ?? ''}"\n`
          : `khutulun: unknown global option ${a} (run \`khutulun --help\`)\n`,
      );
      return 2;
    }
  }
  const name = args.shift();
  if (!name || name === 'help') {
    const sub = args[0] ? findCommand(args[0]) : undefined;
    if (args[0] && !sub) {
      cio.stderr(`khutulun: unknown verb "${args[0]}" (run \`khutulun --help\` to list them)\n`);
      return 2;
    }
    if (sub) cio.stdout(commandHelp(sub));
    else if (name) cio.stdout(globalHelp(commands));
    else cio.stderr(globalHelp(commands));
    return name ? 0 : 2;
  }
  const entry = findCommand(name);
  if (!entry) {
    cio.stderr(`khutulun: unknown verb "${name}" (run \`khutulun --help\` to list them)\n`);
    return 2;
  }
  if (wantsHelp(args)) {
    cio.stdout(commandHelp(entry));
    return 0;
  }
  // The token (from --token-file, $KHUTULUN_TOKEN_FILE or $KHUTULUN_TOKEN): loaded only when
  // given, so verbs that talk to no agent load nothing of the agent layer. An unreadable or
  // unsafe token file is a usage/I-O problem (exit 2), like an unreadable input.
  if (tokenFile !== undefined || cio.env['KHUTULUN_TOKEN_FILE'] || cio.env['KHUTULUN_TOKEN']) {
    try {
      const { tokenFromEnv, tokenFromFile } = await import('./token-source.js');
      const token = tokenFile !== undefined ? tokenFromFile(cio, tokenFile) : tokenFromEnv(cio);
      if (token !== undefined) globals.token = token;
    } catch (error) {
      cio.stderr(`khutulun: ${asKhutulunError(error).toString()}\n`);
      return 2;
    }
  }
  try {
    const command = await entry.load();
    return await command.run(args, cio, globals);
  } catch (error) {
    const e = asKhutulunError(error);
    cio.stderr(`khutulun ${name}: ${e.toString()}\n`);
    if (e instanceof KhutulunError && e.code === 'KH-CLI-USAGE') cio.stderr(`usage: ${entry.usage.split('\n').join('\n       ')}\n(run \`khutulun ${name} --help\` for examples)\n`);
    // 2 = usage or I/O (the input could not be read at all), as `validate` does; 1 = the operation failed.
    return e.code === 'KH-CLI-USAGE' || e.code === 'KH-AGENT-SOURCE' || e.code.startsWith('KH-IO') ? 2 : 1;
  }
}
