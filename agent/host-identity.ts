/**
 * A host's stable identity: a random id made once and kept in the state dir, so a restarted agent
 * is the same cluster member (and the same automerge-repo peer) as before.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { KhutulunError } from '../common/index.js';
import type { Random } from '../common/index.js';
import { AgentErrors } from './errors.js';

export interface HostIdentity {
  id: string;
  name: string;
}

export function newHostId(random: Random): string {
  return `h-${random.hex(8)}`;
}

export function loadOrCreateIdentity(stateDir: string | undefined, name: string, random: Random): HostIdentity {
  if (stateDir === undefined) return { id: newHostId(random), name };
  const file = join(stateDir, 'host.json');
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new KhutulunError(AgentErrors.stateDir, `cannot create state dir ${stateDir}`, {
      hint: 'pass a writable --state DIR',
      cause: error,
    });
  }
  let existing: HostIdentity | undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<HostIdentity>;
    if (typeof parsed.id === 'string' && /^h-[0-9a-f]{16}$/.test(parsed.id)) existing = { id: parsed.id, name: String(parsed.name ?? name) };
    else throw new Error('malformed');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new KhutulunError(AgentErrors.stateDir, `${file} is unreadable or malformed`, {
        hint: 'restore it from a backup; deleting it makes this host join as a new member',
        cause: error,
      });
    }
  }
  const identity = { id: existing?.id ?? newHostId(random), name };
  if (!existing || existing.name !== name) {
    writeFileSync(`${file}.tmp`, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  return identity;
}
