/**
 * Browser sessions of the live page. The API's tokens never reach a browser or a URL: `up`,
 * `agent` and `khutulun ui` print a login link with a ONE-TIME code (not a token) that expires in
 * minutes; `GET /login?code=…` exchanges it once for a session kept in an HttpOnly,
 * SameSite=Strict cookie, then the page's fetch and SSE calls carry only that cookie. A session
 * has the role of the credential that asked for the code (a viewer's link gives a viewer page).
 *
 * Codes and session ids are 256-bit random values kept as SHA-256 digests only. Both tables are
 * bounded (the oldest entry goes) so a caller minting codes in a loop cannot grow memory.
 * State-changing calls with a cookie also need the session's CSRF value in a header
 * (`x-khutulun-csrf`): a cross-site form cannot set one, and a page of another origin cannot read it.
 */
import { createHash } from 'node:crypto';
import type { Clock, Random } from '../common/index.js';
import type { Role } from './auth.js';

export interface UiSessionLimits {
  /** How long a login code stays valid (ms). */
  codeTtlMs: number;
  /** How long a session lasts after login (ms); not extended by use. */
  sessionTtlMs: number;
  maxCodes: number;
  maxSessions: number;
}

export const DEFAULT_UI_SESSION_LIMITS: UiSessionLimits = { codeTtlMs: 10 * 60_000, sessionTtlMs: 12 * 3600_000, maxCodes: 64, maxSessions: 256 };

export interface UiCredential {
  name: string;
  role: Role;
}

export interface UiSession {
  credential: UiCredential;
  /** The value state-changing calls send in `x-khutulun-csrf`. */
  csrf: string;
  expiresAt: number;
}

export const CSRF_HEADER = 'x-khutulun-csrf';

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Drops expired entries, then the oldest ones above `max` (Maps iterate in insertion order). */
function prune<T extends { expiresAt: number }>(table: Map<string, T>, now: number, max: number): void {
  for (const [k, v] of table) if (v.expiresAt <= now) table.delete(k);
  for (const k of table.keys()) {
    if (table.size <= max) break;
    table.delete(k);
  }
}

export class UiSessions {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #limits: UiSessionLimits;
  readonly #codes = new Map<string, { credential: UiCredential; expiresAt: number }>();
  readonly #sessions = new Map<string, UiSession>();

  constructor(clock: Clock, random: Random, limits: Partial<UiSessionLimits> = {}) {
    this.#clock = clock;
    this.#random = random;
    this.#limits = { ...DEFAULT_UI_SESSION_LIMITS, ...limits };
  }

  /** A fresh one-time login code for `credential`, and when it expires. */
  issueCode(credential: UiCredential): { code: string; expiresAt: number } {
    const now = this.#clock.now();
    const code = this.#random.hex(32);
    const expiresAt = now + this.#limits.codeTtlMs;
    this.#codes.set(digest(code), { credential: { ...credential }, expiresAt });
    prune(this.#codes, now, this.#limits.maxCodes);
    return { code, expiresAt };
  }

  /** Exchanges a code (once: it is gone afterwards, valid or not) for a new session id. */
  exchange(code: string): { id: string; session: UiSession } | undefined {
    const now = this.#clock.now();
    const key = digest(code);
    const entry = this.#codes.get(key);
    this.#codes.delete(key);
    if (!entry || entry.expiresAt <= now) return undefined;
    const id = this.#random.hex(32);
    const session: UiSession = { credential: entry.credential, csrf: this.#random.hex(16), expiresAt: now + this.#limits.sessionTtlMs };
    this.#sessions.set(digest(id), session);
    prune(this.#sessions, now, this.#limits.maxSessions);
    return { id, session };
  }

  /** The live session of a cookie value, if any. */
  lookup(id: string | undefined): UiSession | undefined {
    if (id === undefined || id === '') return undefined;
    const key = digest(id);
    const s = this.#sessions.get(key);
    if (s && s.expiresAt <= this.#clock.now()) {
      this.#sessions.delete(key);
      return undefined;
    }
    return s;
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(digest(id));
  }

  /** Outstanding codes and sessions (for tests and metrics). */
  get size(): { codes: number; sessions: number } {
    return { codes: this.#codes.size, sessions: this.#sessions.size };
  }
}

/** The session cookie's name: per port, since browsers share cookies between ports of one host. */
export function sessionCookieName(port: number | undefined): string {
  return `khutulun_session_${port ?? 0}`;
}

/** A cookie's value from a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` for a session (HttpOnly, SameSite=Strict, Secure over TLS; `maxAgeMs` 0 clears it). */
export function sessionCookie(name: string, id: string, maxAgeMs: number, secure: boolean): string {
  return `${name}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}${secure ? '; Secure' : ''}`;
}
