/**
 * Guards against requests a browser makes on someone else's behalf. A web page cannot read the
 * agent's token, but it can still aim requests at a loopback port: by DNS rebinding (a name of
 * the attacker's that resolves to 127.0.0.1: the `Host` header then carries that name) or by a
 * cross-site request (the browser sends `Origin` / `Sec-Fetch-Site`). The CLI and peers send
 * neither a foreign Host nor an Origin, so both are refused up front (403 KH-AGENT-011).
 */
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export interface GuardPolicy {
  /** Host names (besides IP literals and `localhost`) this agent answers to, lowercase. */
  allowedHosts: ReadonlySet<string>;
}

/** The host part of a `Host` header (`name:port`, `[v6]:port`, or bare), lowercase. */
export function hostOfHeader(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * Undefined when the request may proceed, else the reason it is refused. With `scheme` (the agent
 * serves the live page), an `Origin` equal to the agent's own (`scheme://Host`) is the page itself
 * and may proceed; any other Origin is still refused.
 */
export function checkRequestGuard(policy: GuardPolicy, headers: IncomingHttpHeaders, scheme?: 'http' | 'https'): string | undefined {
  const host = headers.host;
  if (typeof host !== 'string' || host === '') return 'no Host header';
  const name = hostOfHeader(host);
  if (!(isIP(name) !== 0 || name === 'localhost' || policy.allowedHosts.has(name))) {
    return `Host "${name}" is not an address of this agent (DNS rebinding?)`;
  }
  const origin = headers.origin;
  const self = scheme !== undefined && typeof origin === 'string' && origin.toLowerCase() === `${scheme}://${host.trim().toLowerCase()}`;
  if (typeof origin === 'string' && origin !== '' && !self) return `cross-site request from Origin "${origin}"`;
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'none' && site !== 'same-origin') return `cross-site request (Sec-Fetch-Site: ${site})`;
  return undefined;
}
