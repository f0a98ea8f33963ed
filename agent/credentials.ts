/**
 * Secrets from files, never from argv: the cluster token file (`--token-file`) and the credentials
 * file (`--credentials FILE`), a JSON list of named credentials with a role, tokens kept only as
 * SHA-256 digests:
 *
 *   {"credentials": [{"name": "ci", "role": "operator", "sha256": "<hex of sha256(token)>"}]}
 *
 * Both must be private to their owner (mode 0600), as ssh demands of its keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KhutulunError, checkOwnerOnly, writeFileAtomic } from '../common/index.js';
import type { Random } from '../common/index.js';
import { ROLES, tokenDigest } from './auth.js';
import type { Credential, Role } from './auth.js';
import { AgentErrors } from './errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

function bad(path: string, problem: string, cause?: unknown): KhutulunError {
  return new KhutulunError(AgentErrors.credentials, `credentials file ${path}: ${problem}`, {
    hint: 'write {"credentials": [{"name": "...", "role": "viewer|operator|admin|peer", "sha256": "<64 hex>"}]}, or make entries with `khutulun credential add`',
    details: { path },
    ...(cause !== undefined ? { cause } : {}),
  });
}

function unreadable(path: string, what: string, error: unknown): KhutulunError {
  if (error instanceof KhutulunError) return error;
  return new KhutulunError(AgentErrors.credentials, `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
    hint: 'check the path and that it is readable by the user that runs khutulun',
    cause: error,
  });
}

/** Reads a token file (owner-only, first line, trimmed). */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    checkOwnerOnly(path, 'token file');
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw unreadable(path, 'token file', error);
  }
  const token = (text.split('\n')[0] ?? '').trim();
  if (token === '') {
    throw new KhutulunError(AgentErrors.credentials, `token file ${path} is empty`, { hint: 'write the token on its first line, e.g. `openssl rand -hex 32 > FILE; chmod 600 FILE`' });
  }
  return token;
}

export function parseCredentials(text: string, path: string): Credential[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw bad(path, 'not JSON', error);
  }
  const list = (doc as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list)) throw bad(path, 'no "credentials" array');
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const e = entry as Partial<Credential> | null;
    if (typeof e?.name !== 'string' || !NAME.test(e.name)) throw bad(path, `entry ${i}: invalid "name"`);
    if (seen.has(e.name)) throw bad(path, `entry ${i}: duplicate name "${e.name}"`);
    seen.add(e.name);
    if (!ROLES.includes(e.role as Role)) throw bad(path, `entry ${i} (${e.name}): role must be one of ${ROLES.join(', ')}`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) throw bad(path, `entry ${i} (${e.name}): "sha256" must be 64 lowercase hex digits`);
    return { name: e.name, role: e.role as Role, sha256: e.sha256 };
  });
}

export function loadCredentials(path: string): Credential[] {
  let text: string;
  try {
    checkOwnerOnly(path, 'credentials file');
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw unreadable(path, 'credentials file', error);
  }
  return parseCredentials(text, path);
}

/**
 * Adds (or replaces) a credential with a fresh random token and returns the token: the file keeps
 * only its digest, so this is the one time it is shown.
 */
export function addCredential(path: string, name: string, role: Role, random: Random): string {
  if (!NAME.test(name)) throw bad(path, `invalid name "${name}"`);
  if (!ROLES.includes(role)) throw bad(path, `role must be one of ${ROLES.join(', ')}`);
  const existing = existsSync(path) ? loadCredentials(path) : [];
  const token = random.hex(32);
  const next = [...existing.filter((c) => c.name !== name), { name, role, sha256: tokenDigest(token) }];
  writeFileAtomic(path, JSON.stringify({ credentials: next }, null, 2) + '\n', 0o600);
  return token;
}
