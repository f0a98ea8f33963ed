/**
 * `khutulun credential add NAME --role viewer|operator|admin|peer --file FILE [--token-out FILE]`:
 * adds (or replaces) a named credential in an agent's credentials file. The token is random, the
 * file keeps only its SHA-256 digest (mode 0600), and the token is shown once: on stdout, or
 * written to an owner-only file with --token-out (for scripts, so it never passes a terminal).
 */
import { resolve } from 'node:path';
import { systemRandom, writeFileAtomic } from '../../common/index.js';
import { addCredential } from '../../agent/credentials.js';
import { ROLES } from '../../agent/auth.js';
import type { Role } from '../../agent/auth.js';
import { flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `khutulun credential add NAME --role ${ROLES.join('|')} --file CREDENTIALS.json [--token-out FILE]`;

export const credentialCommand: Command = {
  name: 'credential',
  summary: 'add a named credential with a role to an agent credentials file (prints its token once)',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, { role: { value: true }, file: { value: true }, 'token-out': { value: true } });
    const [verb, name, ...rest] = args.positionals;
    if (verb !== 'add' || name === undefined || rest.length > 0) throw new UsageError('expected `credential add NAME`');
    const role = flagString(args, 'role');
    if (!ROLES.includes(role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const file = flagString(args, 'file');
    if (!file) throw new UsageError('--file CREDENTIALS.json is required', 'the agent reads it with --credentials FILE');
    const token = addCredential(resolve(io.cwd, file), name, role as Role, systemRandom);
    const out = flagString(args, 'token-out');
    if (out !== undefined) {
      writeFileAtomic(resolve(io.cwd, out), `${token}\n`, 0o600);
      io.stderr(`credential ${name} (${role}) added to ${file}; its token is in ${out} (mode 0600)\n`);
    } else {
      io.stdout(`${token}\n`);
      io.stderr(`credential ${name} (${role}) added to ${file}; the token above is shown only now\n`);
    }
    return 0;
  },
};
