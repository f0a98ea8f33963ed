/**
 * The one rule for host ids, shared by every layer (the store's owner fields, the scheduler's
 * placements, the agent's membership): host ids end up in map keys, claim keys (`epoch:host`),
 * namespaces and file names, so they stay plain — 1-63 letters, digits, `.`, `_` or `-`, starting
 * with a letter or digit. Each layer parses with its own error code.
 */
export const HOST_ID_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const HOST_ID_HINT = 'use 1-63 characters: letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isHostId(value: unknown): value is string {
  return typeof value === 'string' && HOST_ID_RULE.test(value);
}
