/**
 * The live page's own paths, beside the JSON API on the agent's port:
 *
 *   GET  /login?code=C   one-time code -> session cookie, 303 to `/` (the code leaves the URL)
 *   GET  /               the page (needs the session cookie; else a short "how to log in" page)
 *   GET  /ui/app.js|.css the bundled page (scripts/build-ui.mjs -> dist/ui/), same cookie
 *   POST /logout         ends the session (cookie + CSRF header)
 *   GET  /v1/session     who the caller is and the CSRF value (cookie or token)
 *   POST /v1/ui/login    a new one-time login link for the CALLER's credential (token only)
 *
 * The assets are built at package build time and served from disk: no CDN, nothing fetched at run
 * time. Every HTML answer forbids framing, inline scripts and foreign connections (CSP).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KhutulunError } from '../common/index.js';
import type { AuthDecision, AuthPolicy, Permission, Role } from './auth.js';
import { authenticate, presentedToken, roleGrants } from './auth.js';
import { AgentErrors } from './errors.js';
import { sendJson } from './http-util.js';
import { cookieValue, CSRF_HEADER, sessionCookie, sessionCookieName } from './ui-session.js';
import type { UiSessions } from './ui-session.js';

export const UiErrors = {
  notBuilt: 'KH-AGENT-080',
  csrf: 'KH-AGENT-081',
  noLoginCredential: 'KH-AGENT-082',
} as const;

export interface UiContext {
  sessions: UiSessions;
  auth: AuthPolicy;
  /** True when the agent serves HTTPS (the cookie is then Secure). */
  secure: boolean;
  /** The agent's own URL (`http://127.0.0.1:PORT`): login links point there. */
  url: () => string;
  now: () => number;
}

const ASSETS: Record<string, string> = { '/ui/app.js': 'text/javascript; charset=utf-8', '/ui/app.css': 'text/css; charset=utf-8', '/': 'text/html; charset=utf-8' };
const FILES: Record<string, string> = { '/ui/app.js': 'app.js', '/ui/app.css': 'app.css', '/': 'index.html' };

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** dist/ui next to the compiled agent, or (running from sources) the checkout's dist/ui. */
export function uiAssetDir(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return [join(here, '..', 'ui'), join(here, '..', 'dist', 'ui')].find((d) => existsSync(join(d, 'app.js')) && existsSync(join(d, 'index.html')));
}

function page(res: ServerResponse, status: number, title: string, text: string, extra: Record<string, string> = {}): void {
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${title}</h1><p>${text}</p></body>`;
  res.writeHead(status, { ...SECURITY_HEADERS, ...extra, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

const LOGIN_HINT = 'Open the login link that <code>khutulun up</code> or <code>khutulun agent</code> printed, or get a new one with <code>khutulun ui</code>. A link works once and expires after a few minutes.';

function cookieOf(req: IncomingMessage): string | undefined {
  return cookieValue(req.headers.cookie, sessionCookieName(req.socket.localPort));
}

/**
 * The caller's identity from the session cookie when it presents no token: undefined without a
 * cookie (the token rules apply). A cookie caller of a state-changing method must send the CSRF
 * header too.
 */
export function sessionDecision(ctx: UiContext, req: IncomingMessage, permission: Permission): AuthDecision | undefined {
  if (presentedToken(req) !== undefined) return undefined;
  const id = cookieOf(req);
  if (id === undefined) return undefined;
  const s = ctx.sessions.lookup(id);
  if (!s) return { ok: false, reason: 'bad-token' };
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers[CSRF_HEADER] !== s.csrf) {
    throw new KhutulunError(UiErrors.csrf, `${req.method} with a session cookie needs the ${CSRF_HEADER} header of that session`, {
      hint: 'the live page sends it; scripts should use a token (--token-file) instead of a cookie',
      details: { httpStatus: 403 },
    });
  }
  return roleGrants(s.credential.role, permission) ? { ok: true, credential: s.credential } : { ok: false, reason: 'forbidden', credential: s.credential };
}

/** A login link for a credential (the first admin one when not named): what `up` and `agent` print. */
export function loginLink(ctx: UiContext, credential?: { name: string; role: Role }): { url: string; expiresAt: number } {
  const who = credential ?? ctx.auth.credentials.find((c) => c.role === 'admin');
  if (!who || who.role === 'peer') {
    throw new KhutulunError(UiErrors.noLoginCredential, 'no credential may open the live page (peer credentials only sync)', {
      hint: 'give the agent a cluster token or an admin/operator/viewer credential (docs/security.md)',
    });
  }
  const { code, expiresAt } = ctx.sessions.issueCode({ name: who.name, role: who.role });
  return { url: `${ctx.url()}/login?code=${code}`, expiresAt };
}

/** Serves the page's paths; false when `path` is not one of them (the API goes on). */
export async function handleUi(ctx: UiContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === '/login' && method === 'GET') {
    const code = new URL(req.url ?? '/', 'http://x').searchParams.get('code') ?? '';
    const got = ctx.sessions.exchange(code);
    if (!got) {
      page(res, 401, 'This login link is not valid', `It was used already or it expired. ${LOGIN_HINT}`);
      return true;
    }
    const cookie = sessionCookie(sessionCookieName(req.socket.localPort), got.id, got.session.expiresAt - ctx.now(), ctx.secure);
    res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': cookie, 'content-length': 0 });
    res.end();
    return true;
  }
  if (path === '/logout' && method === 'POST') {
    const d = sessionDecision(ctx, req, 'read');
    if (!d?.ok) throw new KhutulunError(AgentErrors.unauthorized, 'not logged in', { hint: 'nothing to log out of' });
    ctx.sessions.end(cookieOf(req));
    res.writeHead(204, { 'set-cookie': sessionCookie(sessionCookieName(req.socket.localPort), '', 0, ctx.secure) });
    res.end();
    return true;
  }
  if (path === '/v1/session' && method === 'GET') {
    const token = presentedToken(req);
    const s = token === undefined ? ctx.sessions.lookup(cookieOf(req)) : undefined;
    const who = s ? { ok: true as const, credential: s.credential } : authenticate(ctx.auth, token);
    if (!who.ok) throw new KhutulunError(AgentErrors.unauthorized, 'not logged in', { hint: LOGIN_HINT.replace(/<\/?code>/g, '`') });
    sendJson(res, 200, { credential: who.credential.name, role: who.credential.role, ...(s ? { csrf: s.csrf, expiresAt: s.expiresAt } : {}) });
    return true;
  }
  if (path === '/v1/ui/login' && method === 'POST') {
    // A token caller only: a page session must not mint itself new sessions.
    const who = authenticate(ctx.auth, presentedToken(req));
    if (!who.ok || !roleGrants(who.credential.role, 'read')) {
      throw new KhutulunError(who.ok ? AgentErrors.forbidden : AgentErrors.unauthorized, 'a login link needs a token with read access', { hint: 'run `khutulun ui` with --token-file or --state DIR' });
    }
    sendJson(res, 201, loginLink(ctx, who.credential));
    return true;
  }
  const type = ASSETS[path];
  if (type === undefined || method !== 'GET') return false;
  if (!ctx.sessions.lookup(cookieOf(req))) {
    page(res, 401, 'Khutulun: please log in', LOGIN_HINT);
    return true;
  }
  const dir = uiAssetDir();
  if (dir === undefined) {
    throw new KhutulunError(UiErrors.notBuilt, 'the live page is not built (dist/ui/app.js is missing)', {
      hint: 'run `npm run build` in the checkout (it bundles the page with esbuild)',
      details: { httpStatus: 503 },
    });
  }
  const body = readFileSync(join(dir, FILES[path]!));
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': body.length });
  res.end(body);
  return true;
}
