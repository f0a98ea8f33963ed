/** The help texts: `khutulun --help`, `khutulun help VERB` and `khutulun VERB --help` (pure strings). */
import type { CommandEntry } from './commands/index.js';

export const GLOBAL_OPTIONS = `global options (before the verb):
  --agent URL            a running agent (else the one recorded in --state / $KHUTULUN_HOME / ~/.khutulun)
  --token-file FILE      a file (mode 0600) holding the token (or $KHUTULUN_TOKEN_FILE, $KHUTULUN_TOKEN);
                         never --token on the command line: \`ps\` shows it to every local user
  --state DIR            the state dir whose agent to reach
  --tls-cert F --tls-key F --tls-ca F   mutual TLS files (or $KHUTULUN_TLS_CERT/KEY/CA)
  --log-format text|json how the agent writes its log lines on stderr (or $KHUTULUN_LOG_FORMAT)
  -h, --help             this help; \`khutulun VERB --help\` for one verb
  -V, --version          the version`;

/** The documented exit codes (docs/cli.md repeats them). */
export const EXIT_CODES = `exit codes:
  0  success (a follow (-f) ended by Ctrl-C or a closed pipe is a success too)
  1  the operation failed: invalid template, failed deployment, a failed node, an unreachable or refusing agent
  2  usage error or unreadable input: unknown verb or option, missing argument, file not found
  3  --wait timed out (deploy, update, scale): the request goes on
  exec passes the remote command's own exit code through (like \`docker exec\`); 130 when Ctrl-C ended it.`;

export function globalHelp(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = [
    'usage: khutulun [global options] VERB [options]',
    '',
    'verbs:',
    ...commands.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    '',
    GLOBAL_OPTIONS,
    '',
    EXIT_CODES,
    '',
    'Run `khutulun VERB --help` for the options and examples of one verb.',
  ];
  return lines.join('\n') + '\n';
}

export function commandHelp(c: CommandEntry): string {
  const usage = c.usage
    .split('\n')
    .map((l, i) => (i === 0 ? `usage: ${l.trim()}` : `       ${l.trim()}`))
    .join('\n');
  const parts = [usage, '', c.summary];
  if (c.outputs && c.outputs.length > 0) parts.push('', `output formats (-o): ${c.outputs.join(', ')}`);
  if (c.examples.length > 0) parts.push('', 'examples:', ...c.examples.map((e) => `  ${e}`));
  parts.push('', 'Global options and exit codes: `khutulun --help`.');
  return parts.join('\n') + '\n';
}

/** True when argv asks for help before any `--` (after which the words belong to a remote command). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}
