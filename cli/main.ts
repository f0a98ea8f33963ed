/**
 * CLI entry: `khutulun [--agent URL] [--token-file FILE] [--tls-cert F --tls-key F --tls-ca F] <command> [args]`.
 * Exit codes: 0 ok, 1 the operation failed (invalid input, failed deployment), 2 usage or I/O error.
 */
import { KhutulunError, asKhutulunError } from '../common/index.js';
import type { CliIo, GlobalOptions } from './command.js';
import { commands } from './commands/index.js';
import { tokenFromEnv, tokenFromFile, tokenInArgv } from './token-source.js';

function help(io: CliIo): void {
  io.stdout('usage: khutulun [--agent URL] [--token-file FILE] [--tls-cert FILE --tls-key FILE --tls-ca FILE] <command> [options]\n\ncommands:\n');
  for (const c of commands) io.stdout(`  ${c.name.padEnd(12)} ${c.summary}\n`);
  io.stdout('\nRun `khutulun help <command>` for the options of one command.\n');
}

export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const cio: CliIo = {
    stdout: io?.stdout ?? ((t) => void process.stdout.write(t)),
    stderr: io?.stderr ?? ((t) => void process.stderr.write(t)),
    env: io?.env ?? process.env,
    cwd: io?.cwd ?? process.cwd(),
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
  while (args[0]?.startsWith('--')) {
    const a = args.shift()!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = inline ?? args.shift();
    if (flag === '--agent' && value) globals.agent = value;
    else if (flag === '--token') {
      const e = tokenInArgv();
      cio.stderr(`khutulun: ${e.toString()}\n`);
      return 2;
    } else if (flag === '--token-file' && value) tokenFile = value;
    else if (flag === '--state' && value) globals.state = value;
    else if ((flag === '--tls-cert' || flag === '--tls-key' || flag === '--tls-ca') && value) globals[tlsFlags[flag]] = value;
    else if (flag === '--help') {
      help(cio);
      return 0;
    } else {
      cio.stderr(`khutulun: unknown global option ${a}\n`);
      return 2;
    }
  }
  try {
    const token = tokenFile !== undefined ? tokenFromFile(cio, tokenFile) : tokenFromEnv(cio);
    if (token !== undefined) globals.token = token;
  } catch (error) {
    cio.stderr(`khutulun: ${asKhutulunError(error).toString()}\n`);
    return 2;
  }
  const name = args.shift();
  if (!name || name === 'help' || name === '-h') {
    const sub = args[0] ? commands.find((c) => c.name === args[0]) : undefined;
    if (sub) cio.stdout(`usage: ${sub.usage}\n`);
    else help(cio);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    cio.stderr(`khutulun: unknown command "${name}" (run \`khutulun help\` to list commands)\n`);
    return 2;
  }
  try {
    return await command.run(args, cio, globals);
  } catch (error) {
    const e = asKhutulunError(error);
    cio.stderr(`khutulun ${name}: ${e.toString()}\n`);
    if (e instanceof KhutulunError && e.code === 'KH-CLI-USAGE') cio.stderr(`usage: ${command.usage}\n`);
    // 2 = usage or I/O (the input could not be read at all), as `validate` does; 1 = the operation failed.
    return e.code === 'KH-CLI-USAGE' || e.code === 'KH-AGENT-SOURCE' || e.code.startsWith('KH-IO') ? 2 : 1;
  }
}
