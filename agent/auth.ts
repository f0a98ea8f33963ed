/**
 * Who may talk to an agent, and what they may do. Every caller presents a token (Bearer header;
 * `?token=` only on the sync WebSocket, whose clients cannot always set headers). A token maps to
 * a named credential with a role; the role grants permissions; every API route and the sync
 * endpoint name the permission they need. There is no anonymous access, loopback included:
 * `/healthz` is the only open path and answers nothing but `{"ok": true}`.
 *
 * Tokens are kept as SHA-256 digests only and compared in constant time.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const ROLES = ['viewer', 'operator', 'admin', 'peer'] as const;
export type Role = (typeof ROLES)[number];

/** `read`: list/status/outputs/hosts/events. `deploy`: deploy/undeploy. `admin`: cluster-wide. `sync`: join /sync. */
export type Permission = 'read' | 'deploy' | 'admin' | 'sync';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'deploy'],
  admin: ['read', 'deploy', 'admin', 'sync'],
  peer: ['sync'],
};

export function roleGrants(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export interface Credential {
  name: string;
  role: Role;
  /** Lowercase hex SHA-256 of the token. */
  sha256: string;
}

export interface AuthPolicy {
  credentials: readonly Credential[];
}

export type AuthDecision =
  | { ok: true; credential: { name: string; role: Role } }
  | { ok: false; reason: 'missing-token' | 'bad-token' | 'forbidden'; credential?: { name: string; role: Role } };

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison over digests, so neither content nor length leaks through timing. */
export function tokenMatches(expected: string, presented: string): boolean {
  return digestMatches(tokenDigest(expected), tokenDigest(presented));
}

function digestMatches(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/** The token a request presents: `Authorization: Bearer T`; `?token=T` only when `allowQuery`. */
export function presentedToken(req: Pick<IncomingMessage, 'headers' | 'url'>, allowQuery = false): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m?.[1]) return m[1];
  }
  if (!allowQuery) return undefined;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q >= 0) {
    const t = new URLSearchParams(url.slice(q + 1)).get('token');
    if (t) return t;
  }
  return undefined;
}

/** The credential a token belongs to (every credential is compared, so timing says nothing). */
export function authenticate(policy: AuthPolicy, token: string | undefined): AuthDecision {
  if (token === undefined) return { ok: false, reason: 'missing-token' };
  const digest = tokenDigest(token);
  let found: Credential | undefined;
  for (const c of policy.credentials) if (digestMatches(c.sha256, digest) && !found) found = c;
  return found ? { ok: true, credential: { name: found.name, role: found.role } } : { ok: false, reason: 'bad-token' };
}

export function authorize(policy: AuthPolicy, token: string | undefined, permission: Permission): AuthDecision {
  const who = authenticate(policy, token);
  if (!who.ok) return who;
  return roleGrants(who.credential.role, permission) ? who : { ok: false, reason: 'forbidden', credential: who.credential };
}
