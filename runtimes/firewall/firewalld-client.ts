/**
 * firewalld over D-Bus (dbus-next, raw method calls: no introspection round trip). Runtime rules by
 * default; `permanent` also writes the zone's configuration. Calls get long timeouts because
 * firewalld answers slowly while it starts or reloads.
 */
import { createRequire } from 'node:module';
import type { MessageBus } from 'dbus-next';
import type * as DbusNext from 'dbus-next';
import { KhutulunError, systemClock } from '../../common/index.js';
import type { Clock } from '../../common/index.js';
import { classifyDbusError, FirewallErrorCode, notRunning } from './errors.js';

const NAME = 'org.fedoraproject.FirewallD1';
const PATH = '/org/fedoraproject/FirewallD1';
const CONFIG_PATH = '/org/fedoraproject/FirewallD1/config';
const DEFAULT_ADDRESS = 'unix:path=/var/run/dbus/system_bus_socket';

export type FirewallProtocol = 'tcp' | 'udp';

export interface FirewallPortRule {
  port: number;
  protocol: FirewallProtocol;
  /** Absent = firewalld's default zone. */
  zone?: string;
}

export interface FirewallCallOptions {
  /** Also change the zone's saved configuration (survives a reload/restart). */
  permanent?: boolean;
}

/** The seam other code (and fakes) implement. */
export interface FirewallLike {
  addPort(rule: FirewallPortRule, options?: FirewallCallOptions): Promise<void>;
  removePort(rule: FirewallPortRule, options?: FirewallCallOptions): Promise<void>;
  queryPort(rule: FirewallPortRule): Promise<boolean>;
  close(): Promise<void>;
}

export interface FirewalldClientOptions {
  /** D-Bus address; default DBUS_SYSTEM_BUS_ADDRESS or the standard system socket. */
  address?: string;
  /** Per-call timeout; firewalld start/reload can take 30 s here. */
  timeoutMs?: number;
  clock?: Clock;
}

export function systemBusAddress(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['DBUS_SYSTEM_BUS_ADDRESS'] || DEFAULT_ADDRESS;
}

function checkRule(rule: FirewallPortRule): void {
  if (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535) {
    throw new KhutulunError(FirewallErrorCode.badRequest, `port ${rule.port} is not a valid port`, { hint: 'use 1..65535' });
  }
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
    throw new KhutulunError(FirewallErrorCode.badRequest, `protocol ${String(rule.protocol)} is not tcp or udp`, { hint: 'use tcp or udp' });
  }
}

/** dbus-next (~12 MB) loads with the first firewalld call, not with the runtimes layer. */
let dbusModule: typeof DbusNext | undefined;
const dbusNext = (): typeof DbusNext => (dbusModule ??= createRequire(import.meta.url)('dbus-next') as typeof DbusNext);

export class FirewalldClient implements FirewallLike {
  readonly address: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  #bus: MessageBus | undefined;
  #busError: unknown;
  /** Calls in flight, failed at once when the bus connection dies (dbus-next leaves them pending). */
  readonly #pending = new Set<(error: unknown) => void>();

  constructor(options: FirewalldClientOptions = {}) {
    this.address = options.address ?? systemBusAddress();
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#clock = options.clock ?? systemClock;
  }

  #connect(): MessageBus {
    if (this.#bus && this.#busError === undefined) return this.#bus;
    this.#bus?.disconnect();
    // sessionBus() is the only constructor that takes an explicit address; the bus is the system one.
    const bus = dbusNext().sessionBus({ busAddress: this.address });
    this.#busError = undefined;
    // An unhandled 'error' event would crash the process when the socket is missing.
    bus.on('error', (error: unknown) => {
      this.#busError = error;
      for (const reject of this.#pending) reject(error);
      this.#pending.clear();
    });
    this.#bus = bus;
    return bus;
  }

  async call(path: string, iface: string, member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    const what = `${iface.replace(`${NAME}.`, '')}.${member}`;
    const bus = this.#connect();
    let timer: { cancel(): void } | undefined;
    let rejectOnBusError: ((error: unknown) => void) | undefined;
    const busFailure = new Promise<never>((_, reject) => {
      rejectOnBusError = reject;
      this.#pending.add(reject);
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(
        () =>
          reject(
            new KhutulunError(FirewallErrorCode.callFailed, `D-Bus call ${what} got no answer in ${this.#timeoutMs} ms`, {
              retryable: true,
              hint: 'firewalld may be starting or reloading; retry later',
            }),
          ),
        this.#timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([
        bus.call(new (dbusNext().Message)({ destination: NAME, path, interface: iface, member, signature, body })),
        timeout,
        busFailure,
      ]);
      return reply?.body ?? [];
    } catch (error) {
      const cause = this.#busError ?? error;
      if (this.#busError !== undefined) {
        this.#bus?.disconnect();
        this.#bus = undefined;
        throw notRunning(this.address, cause);
      }
      throw classifyDbusError(cause, what, this.address);
    } finally {
      timer?.cancel();
      if (rejectOnBusError) this.#pending.delete(rejectOnBusError);
    }
  }

  async defaultZone(): Promise<string> {
    const [zone] = await this.call(PATH, NAME, 'getDefaultZone', '', []);
    return String(zone);
  }

  /** firewalld's own state string (`RUNNING`, `INIT`, `FAILED`). */
  async state(): Promise<string> {
    const [variant] = await this.call(PATH, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [NAME, 'state']);
    return String((variant as { value?: unknown } | undefined)?.value ?? 'UNKNOWN');
  }

  async #zone(rule: FirewallPortRule): Promise<string> {
    checkRule(rule);
    return rule.zone ?? (await this.defaultZone());
  }

  async #configZonePath(zone: string): Promise<string> {
    const [path] = await this.call(CONFIG_PATH, `${NAME}.config`, 'getZoneByName', 's', [zone]);
    return String(path);
  }

  /** Opens the port; opening an open port is a no-op. */
  async addPort(rule: FirewallPortRule, options: FirewallCallOptions = {}): Promise<void> {
    const zone = await this.#zone(rule);
    await this.#tolerate('ALREADY_ENABLED', () => this.call(PATH, `${NAME}.zone`, 'addPort', 'sssi', [zone, String(rule.port), rule.protocol, 0]));
    if (options.permanent) {
      const path = await this.#configZonePath(zone);
      await this.#tolerate('ALREADY_ENABLED', () => this.call(path, `${NAME}.config.zone`, 'addPort', 'ss', [String(rule.port), rule.protocol]));
    }
  }

  /** Closes the port; closing a closed port is a no-op. */
  async removePort(rule: FirewallPortRule, options: FirewallCallOptions = {}): Promise<void> {
    const zone = await this.#zone(rule);
    await this.#tolerate('NOT_ENABLED', () => this.call(PATH, `${NAME}.zone`, 'removePort', 'sss', [zone, String(rule.port), rule.protocol]));
    if (options.permanent) {
      const path = await this.#configZonePath(zone);
      await this.#tolerate('NOT_ENABLED', () => this.call(path, `${NAME}.config.zone`, 'removePort', 'ss', [String(rule.port), rule.protocol]));
    }
  }

  async queryPort(rule: FirewallPortRule): Promise<boolean> {
    const zone = await this.#zone(rule);
    const [open] = await this.call(PATH, `${NAME}.zone`, 'queryPort', 'sss', [zone, String(rule.port), rule.protocol]);
    return open === true;
  }

  async #tolerate(code: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      const firewalld = error instanceof KhutulunError ? error.details?.['firewalld'] : undefined;
      if (firewalld !== code) throw error;
    }
  }

  async close(): Promise<void> {
    this.#bus?.disconnect();
    this.#bus = undefined;
  }
}
