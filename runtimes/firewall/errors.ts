/** Coded errors of the firewall layer (firewalld over D-Bus). */
import { KhutulunError } from '../../common/index.js';

export const FirewallErrorCode = {
  /** firewalld (or the bus it sits on) is not running. */
  notRunning: 'KH-FW-001',
  /** firewalld rejected the request (unknown zone, bad port or protocol). */
  rejected: 'KH-FW-002',
  /** The D-Bus call failed or timed out (firewalld busy, e.g. reloading). */
  callFailed: 'KH-FW-003',
  /** The request is malformed before it reaches firewalld. */
  badRequest: 'KH-FW-004',
} as const;

export const START_FIREWALLD_HINT =
  'start firewalld (`firewalld --nofork` with DBUS_SYSTEM_BUS_ADDRESS pointing at the system bus, or ' +
  '`systemctl start firewalld`); on CI machines scripts/ci/daemons.sh start runs it in its own netns';

export function notRunning(address: string, cause?: unknown): KhutulunError {
  return new KhutulunError(FirewallErrorCode.notRunning, `firewalld is not reachable on D-Bus ${address}`, {
    retryable: true,
    hint: START_FIREWALLD_HINT,
    details: { address },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** DBusError carries `type` (error name) and `text` (firewalld's `CODE: detail`). */
export function classifyDbusError(error: unknown, what: string, address: string): KhutulunError {
  if (error instanceof KhutulunError) return error;
  const e = error as { type?: unknown; text?: unknown; code?: unknown; message?: unknown };
  const type = typeof e.type === 'string' ? e.type : '';
  const text = typeof e.text === 'string' ? e.text : typeof e.message === 'string' ? e.message : String(error);
  if (
    type === 'org.freedesktop.DBus.Error.ServiceUnknown' ||
    type === 'org.freedesktop.DBus.Error.NameHasNoOwner' ||
    e.code === 'ENOENT' ||
    e.code === 'ECONNREFUSED'
  ) {
    return notRunning(address, error);
  }
  if (type.startsWith('org.fedoraproject.FirewallD1.Exception')) {
    const code = text.split(':')[0]?.trim() ?? 'UNKNOWN';
    return new KhutulunError(FirewallErrorCode.rejected, `firewalld refused ${what}: ${text}`, {
      hint: code === 'INVALID_ZONE' ? 'use an existing zone (firewall-cmd --get-zones)' : 'check the port, protocol and zone',
      details: { firewalld: code },
      cause: error,
    });
  }
  return new KhutulunError(FirewallErrorCode.callFailed, `D-Bus call ${what} failed: ${text}`, {
    retryable: true,
    hint: 'firewalld may be busy (a reload takes 20-30 s); retry, or check its log',
    cause: error,
  });
}
