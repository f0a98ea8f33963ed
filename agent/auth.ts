/**
 * Who may talk to an agent: peers and API clients present the shared cluster token (Bearer header,
 * or `?token=` on the sync WebSocket, since WebSocket clients cannot always set headers). Loopback
 * callers may be let in without it when the agent is configured so (the embedded `khutulun up`).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface AuthPolicy {
  /** Shared cluster token; undefined = no token configured (only loopback callers are admitted). */
  token: string | undefined;
  /** Admit loopback callers without a token. */
  allowLoopback: boolean;
}

export type AuthDecision = { ok: true; via: 'token' | 'loopback' } | { ok: false; reason: 'missing-token' | 'bad-token' };

/** Constant-time comparison over digests, so neither content nor length leaks through timing. */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || a.startsWith('127.');
}

/** The token a request presents: `Authorization: Bearer T`, else `?token=T` in the URL. */
export function presentedToken(req: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m?.[1]) return m[1];
  }
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q >= 0) {
    const t = new URLSearchParams(url.slice(q + 1)).get('token');
    if (t) return t;
  }
  return undefined;
}

export function authorize(policy: AuthPolicy, remoteAddress: string | undefined, token: string | undefined): AuthDecision {
  if (token !== undefined && policy.token !== undefined) {
    return tokenMatches(policy.token, token) ? { ok: true, via: 'token' } : { ok: false, reason: 'bad-token' };
  }
  if (policy.allowLoopback && isLoopbackAddress(remoteAddress)) return { ok: true, via: 'loopback' };
  return { ok: false, reason: token === undefined ? 'missing-token' : 'bad-token' };
}
