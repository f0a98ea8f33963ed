/**
 * Whether this host can run processes as systemd transient units: a reachable system bus with
 * `org.freedesktop.systemd1` on it. The default process runtime never needs systemd; this tells an
 * operator (and a future `systemd` launch mode) clearly why that mode is not available.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { KhutulunError } from '../../common/index.js';
import type * as DbusNext from 'dbus-next';

export interface SystemdAvailability {
  available: boolean;
  /** The bus address that was tried. */
  address: string;
  /** Why it is (not) available, in words an operator can act on. */
  reason: string;
}

export const SYSTEMD_NAME = 'org.freedesktop.systemd1';

function defaultAddress(): string {
  return process.env['DBUS_SYSTEM_BUS_ADDRESS'] ?? 'unix:path=/var/run/dbus/system_bus_socket';
}

function socketPath(address: string): string | undefined {
  const m = /^unix:path=([^,;]+)/.exec(address);
  return m?.[1];
}

/** Bounded: gives up after `timeoutMs`; never throws. */
export async function detectSystemd(options: { address?: string; timeoutMs?: number } = {}): Promise<SystemdAvailability> {
  const address = options.address ?? defaultAddress();
  const path = socketPath(address);
  if (path !== undefined && !existsSync(path)) {
    return { available: false, address, reason: `no D-Bus system bus at ${path} (the host does not run systemd or dbus)` };
  }
  // dbus-next (~12 MB) loads only when there is a bus to ask.
  const dbus = createRequire(import.meta.url)('dbus-next') as typeof DbusNext;
  const bus = dbus.sessionBus({ busAddress: address });
  let timer: NodeJS.Timeout | undefined;
  try {
    const check = (async () => {
      const proxy = await bus.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus');
      const iface = proxy.getInterface('org.freedesktop.DBus');
      // The proxy interface is typed loosely by dbus-next; NameHasOwner returns a boolean.
      const owned = (await (iface as unknown as { NameHasOwner(name: string): Promise<boolean> }).NameHasOwner(SYSTEMD_NAME)) === true;
      return owned
        ? { available: true, address, reason: `${SYSTEMD_NAME} is on the system bus` }
        : { available: false, address, reason: `the system bus answers but ${SYSTEMD_NAME} is not on it (systemd is not PID 1 here)` };
    })();
    const timeout = new Promise<SystemdAvailability>((resolve) => {
      timer = setTimeout(() => resolve({ available: false, address, reason: `the system bus at ${address} did not answer in time` }), options.timeoutMs ?? 2_000);
    });
    // A connection error surfaces as an 'error' event as well as a rejected call.
    bus.on('error', () => undefined);
    return await Promise.race([check, timeout]);
  } catch (error) {
    return { available: false, address, reason: `cannot talk to the system bus at ${address}: ${(error as Error).message}` };
  } finally {
    if (timer) clearTimeout(timer);
    bus.disconnect();
  }
}

/** The coded error for a request that needs systemd on a host without it. */
export function systemdUnavailable(availability: SystemdAvailability): KhutulunError {
  return new KhutulunError('KH-PROC-NO-SYSTEMD', `systemd transient units are not available: ${availability.reason}`, {
    hint: 'use the default launch mode (plain processes, cgroups for limits), or run the agent on a host where systemd is PID 1',
    details: { address: availability.address },
  });
}
