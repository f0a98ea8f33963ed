/**
 * Where the CLI takes secrets from: `--token-file FILE` (owner-only), else $KHUTULUN_TOKEN_FILE,
 * else $KHUTULUN_TOKEN, else (no --agent) the agent record of the state dir. Never from argv: any
 * local user reads another's command line with `ps`, so `--token T` is a usage error (exit 2).
 */
import { resolve } from 'node:path';
import { readTokenFile } from '../agent/credentials.js';
import { UsageError } from './args.js';
import type { CliIo } from './command.js';

export function tokenInArgv(): UsageError {
  return new UsageError(
    '--token on the command line was removed: every local user can read it with `ps`',
    'put the token in a file only you can read (chmod 600) and pass --token-file FILE, or set KHUTULUN_TOKEN / KHUTULUN_TOKEN_FILE',
  );
}

/** The token of the environment (file first), or undefined. */
export function tokenFromEnv(io: Pick<CliIo, 'env' | 'cwd'>): string | undefined {
  const file = io.env['KHUTULUN_TOKEN_FILE'];
  if (file) return readTokenFile(resolve(io.cwd, file));
  const token = io.env['KHUTULUN_TOKEN'];
  return token ? token : undefined;
}

export function tokenFromFile(io: Pick<CliIo, 'cwd'>, file: string): string {
  return readTokenFile(resolve(io.cwd, file));
}
