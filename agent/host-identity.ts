/**
 * A host's stable identity: a random id made once and kept in the state dir, so a restarted agent
 * is the same cluster member (and the same automerge-repo peer) as before.
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KhutulunError, corruptState, writeFileAtomic } from '../common/index.js';
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
  secureStateDir(stateDir);
  let existing: HostIdentity | undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<HostIdentity>;
    if (typeof parsed.id === 'string' && /^h-[0-9a-f]{16}$/.test(parsed.id)) existing = { id: parsed.id, name: String(parsed.name ?? name) };
    else throw new Error('no valid "id" (h- and 16 hex digits)');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw corruptState(file, (error as Error).message, 'restore it from a backup; deleting it makes this host join the cluster as a new member', error);
    }
  }
  const identity = { id: existing?.id ?? newHostId(random), name };
  if (!existing || existing.name !== name) {
    writeFileAtomic(file, JSON.stringify(identity, null, 2) + '\n', 0o600);
  }
  return identity;
}

/**
 * The state folder holds secrets (agent.json's token) and what runs: private to its owner (0700).
 * A folder of another user is refused rather than taken over.
 */
export function secureStateDir(stateDir: string): void {
  const st = statSync(stateDir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid && uid !== 0) {
    throw new KhutulunError(AgentErrors.stateDir, `state dir ${stateDir} belongs to uid ${st.uid}, not to this user (uid ${uid})`, {
      hint: 'use a state dir of your own (--state DIR or $KHUTULUN_HOME)',
    });
  }
  if ((st.mode & 0o077) !== 0) chmodSync(stateDir, 0o700);
}
