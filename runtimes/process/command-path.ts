/** Finds the executable a spec names, so a missing program is a coded error, not a spawn crash. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { commandNotFound, permissionDenied } from './errors.js';

export function resolveCommand(id: string, command: string, cwd: string, pathEnv: string | undefined): string {
  const candidates: string[] = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (pathEnv ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
        .split(delimiter)
        .filter((d) => d !== '')
        .map((d) => join(isAbsolute(d) ? d : resolve(cwd, d), command));
  let denied: string | undefined;
  for (const file of candidates) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      continue;
    }
    if (!isFile) continue;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      denied ??= file;
    }
  }
  if (denied !== undefined) throw permissionDenied(id, `${denied} is not executable`);
  throw commandNotFound(id, command, candidates);
}
