/**
 * The OVN network runtime (`ovn`): a Network workload is a logical switch in the OVN northbound
 * database, with its ACLs; workloads attach through logical ports wired into their network
 * namespaces on this chassis (port-wiring.ts). Everything this adapter made carries
 * `external_ids:khutulun-*`, which is how list() re-attaches after a restart and how remove()
 * finds every port to clean up. A call returns once this chassis applied it: ACL changes of a
 * switch with ports use `--wait=hv`, an attach waits for its port to be up (flows installed).
 */
import type { Clock } from '../../common/index.js';
import { KeyedMutex, systemClock } from '../../common/index.js';
import type { RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import type { ObservedWorkload, WorkloadId, WorkloadSpec } from '../workload.js';
import { OvnErrorCode, ovnError } from './errors.js';
import { cellList, cellMap, cellString, endpointsFromEnv, jsonRows, runCommand } from './ovn-cli.js';
import type { OvnEndpoints } from './ovn-cli.js';
import { checkNamespace, unwire, wire, wired } from './port-wiring.js';
import { aclAction, aclMatch, aclPriority, macFor, parseCidr, pickAddress, portName, specDigest, switchName, validateNetworkSpec, vethNames } from './spec.js';

export const OVN_RUNTIME = 'ovn';

export interface OvnAdapterOptions extends Partial<OvnEndpoints> {
  /** The integration bridge ovn-controller manages (default: `external_ids:ovn-bridge`, else br-int). */
  bridge?: string;
  clock?: Clock;
  /** How long attach waits for the logical port to come up on this chassis (default 15 s). */
  portUpTimeoutMs?: number;
}

/** A workload's port on a network. */
export interface NetworkAttachment {
  network: WorkloadId;
  workload: WorkloadId;
  port: string;
  address: string;
  prefix: number;
  mac: string;
  /** Interface name inside the workload. */
  interface: string;
  /** Host end of the veth (on the integration bridge). */
  hostInterface: string;
  netns: string;
}

interface SwitchRow {
  uuid: string;
  name: string;
  ids: Record<string, string>;
  ports: string[];
}

export class OvnNetworkAdapter implements RuntimeAdapter {
  readonly name = OVN_RUNTIME;
  readonly #endpoints: OvnEndpoints;
  #bridge: string | undefined;
  readonly #clock: Clock;
  readonly #portUpTimeoutMs: number;
  readonly #locks = new KeyedMutex();

  constructor(options: OvnAdapterOptions = {}) {
    const env = endpointsFromEnv();
    this.#endpoints = { nbDb: options.nbDb ?? env.nbDb, ovsDb: options.ovsDb ?? env.ovsDb };
    this.#bridge = options.bridge ?? process.env['KH_OVN_BRIDGE'];
    this.#clock = options.clock ?? systemClock;
    this.#portUpTimeoutMs = options.portUpTimeoutMs ?? 15_000;
  }

  #nb(args: string[], timeoutMs?: number): Promise<string> {
    return runCommand('ovn-nbctl', [`--db=${this.#endpoints.nbDb}`, '--timeout=10', ...args], timeoutMs);
  }

  async #bridgeName(): Promise<string> {
    if (this.#bridge) return this.#bridge;
    const out = await runCommand('ovs-vsctl', [`--db=${this.#endpoints.ovsDb}`, '--timeout=5', '--if-exists', 'get', 'open_vswitch', '.', 'external_ids:ovn-bridge']);
    this.#bridge = out.trim().replace(/^"|"$/g, '') || 'br-int';
    return this.#bridge;
  }

  async ready(): Promise<void> {
    await this.#nb(['--no-leader-only', 'ls-list']);
    const bridge = await this.#bridgeName();
    try {
      await runCommand('ovs-vsctl', [`--db=${this.#endpoints.ovsDb}`, '--timeout=5', 'br-exists', bridge]);
    } catch (error) {
      if ((error as { code?: string }).code !== OvnErrorCode.command) throw error;
      throw ovnError(OvnErrorCode.unreachable, `the integration bridge ${bridge} does not exist: ovn-controller does not run on this host`, 'start ovn-controller with external_ids:ovn-remote and ovn-bridge-datapath-type=netdev set (scripts/ci/daemons.sh start-ovn)', { retryable: true });
    }
    await runCommand('ethtool', ['--version']);
    await runCommand('nsenter', ['--version']);
  }

  async #switches(): Promise<SwitchRow[]> {
    const out = await this.#nb(['--format=json', '--columns=_uuid,name,external_ids,ports', 'find', 'logical_switch']);
    return jsonRows(out).map((r) => ({
      uuid: cellString(r['_uuid']),
      name: cellString(r['name']),
      ids: cellMap(r['external_ids']),
      ports: cellList(r['ports']).filter((p) => p !== ''),
    }));
  }

  async #switchOf(id: WorkloadId): Promise<SwitchRow | undefined> {
    const name = switchName(id);
    const row = (await this.#switches()).find((s) => s.name === name);
    if (row && row.ids['khutulun-network'] !== id) {
      throw ovnError(OvnErrorCode.nameClash, `a logical switch named ${name} exists and is not network ${id}'s`, `delete or rename that switch (ovn-nbctl ls-del ${name}) or give the network another name`, { details: { switch: name } });
    }
    return row;
  }

  #observed(id: WorkloadId, row: SwitchRow): ObservedWorkload {
    return {
      id,
      runtime: OVN_RUNTIME,
      state: 'running',
      handle: row.uuid,
      info: { switch: row.name, cidr: row.ids['khutulun-cidr'] ?? '', ports: row.ports.length },
    };
  }

  async ensure(id: WorkloadId, spec: WorkloadSpec): Promise<ObservedWorkload> {
    const net = validateNetworkSpec(spec as { kind: string; [key: string]: unknown });
    return this.#locks.run(id, async () => {
      const name = switchName(id);
      const existing = await this.#switchOf(id);
      const digest = specDigest(net);
      if (existing?.ids['khutulun-spec'] === digest) return this.#observed(id, existing);
      if (existing && existing.ids['khutulun-cidr'] !== net.cidr && existing.ports.length > 0) {
        throw ovnError(OvnErrorCode.inUse, `network ${id} has ${existing.ports.length} attached workload(s): its subnet cannot change from ${existing.ids['khutulun-cidr']} to ${net.cidr}`, 'stop the attached workloads first, or deploy a new network');
      }
      // One transaction: the switch (kept if present), its identity, and its whole ACL set replaced.
      // Waiting for the chassis matters only when ports exist (an ACL change must be in force on return).
      const args = [...(existing && existing.ports.length > 0 ? ['--wait=hv'] : []), '--may-exist', 'ls-add', name, '--', 'set', 'logical_switch', name,
        `external_ids:khutulun-network=${id}`, `external_ids:khutulun-cidr=${net.cidr}`, `external_ids:khutulun-spec=${digest}`];
      if (existing) args.push('--', 'acl-del', name);
      (net.acls ?? []).forEach((rule, i) => args.push('--', 'acl-add', name, 'to-lport', String(aclPriority(i)), aclMatch(rule), aclAction(rule)));
      await this.#nb(args);
      const row = await this.#switchOf(id);
      if (!row) throw ovnError(OvnErrorCode.command, `logical switch ${name} is missing right after ls-add`, 'check the OVN northbound database', { retryable: true });
      return this.#observed(id, row);
    });
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    const row = await this.#switchOf(id);
    return row ? this.#observed(id, row) : undefined;
  }

  async list(): Promise<ObservedWorkload[]> {
    return (await this.#switches()).filter((s) => s.ids['khutulun-network'] !== undefined).map((s) => this.#observed(s.ids['khutulun-network']!, s));
  }

  /** Removes every port (wiring included), then the switch. Idempotent. */
  async remove(id: WorkloadId): Promise<void> {
    await this.#locks.run(id, async () => {
      const row = await this.#switchOf(id);
      if (!row) return;
      for (const a of await this.attachments(id)) await this.#unwire(a);
      await this.#nb(['--wait=hv', '--if-exists', 'ls-del', row.name]);
    });
  }

  /** Networks change only when asked: there are no events to report. */
  subscribe(_listener: (event: RuntimeEvent) => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    await this.#locks.idle();
  }

  /** The ports of a network, as recorded on their logical switch ports. */
  async attachments(network: WorkloadId): Promise<NetworkAttachment[]> {
    const out = await this.#nb(['--format=json', '--columns=name,addresses,external_ids', 'find', 'logical_switch_port', `external_ids:khutulun-network="${network}"`]);
    return jsonRows(out).flatMap((r) => {
      const ids = cellMap(r['external_ids']);
      const [mac, address] = (cellList(r['addresses'])[0] ?? '').split(' ');
      const workload = ids['khutulun-workload'];
      if (!workload || !mac || !address) return [];
      const names = vethNames(network, workload);
      return [{ network, workload, port: cellString(r['name']), address, prefix: Number(ids['khutulun-prefix'] ?? 24), mac, interface: names.inside, hostInterface: names.host, netns: ids['khutulun-netns'] ?? '' }];
    });
  }

  /**
   * Gives `workload` (living in the network namespace `netns`) a port on `network`, and returns
   * once OVN reports the port up on this chassis. Same workload and namespace again: unchanged.
   * A failure leaves nothing behind.
   */
  async attach(network: WorkloadId, workload: WorkloadId, netns: string): Promise<NetworkAttachment> {
    checkNamespace(netns, workload);
    return this.#locks.run(network, async () => {
      const row = await this.#switchOf(network);
      if (!row) throw ovnError(OvnErrorCode.noNetwork, `network ${network} is not deployed on this host`, 'deploy the Network node first (workloads attach after it started)', { retryable: true });
      const current = await this.attachments(network);
      const mine = current.find((a) => a.workload === workload);
      if (mine && mine.netns === netns && (await wired({ hostIf: mine.hostInterface }))) return mine;
      if (mine) await this.#unwire(mine); // its namespace changed (restarted workload) or it died
      const subnet = parseCidr(row.ids['khutulun-cidr'] ?? '');
      const address = pickAddress(subnet, new Set(current.filter((a) => a.workload !== workload).map((a) => a.address)));
      if (!address) throw ovnError(OvnErrorCode.full, `network ${network} (${row.ids['khutulun-cidr']}) has no free address`, 'use a larger cidr or detach workloads');
      const port = portName(network, workload);
      const names = vethNames(network, workload);
      const attachment: NetworkAttachment = { network, workload, port, address, prefix: subnet.prefix, mac: macFor(port), interface: names.inside, hostInterface: names.host, netns };
      await this.#nb(['--may-exist', 'lsp-add', row.name, port, '--', 'lsp-set-addresses', port, `${attachment.mac} ${address}`,
        '--', 'set', 'logical_switch_port', port, `external_ids:khutulun-network="${network}"`, `external_ids:khutulun-workload="${workload}"`,
        `external_ids:khutulun-netns="${netns}"`, `external_ids:khutulun-prefix=${subnet.prefix}`]);
      try {
        await wire({ ...this.#endpoints, bridge: await this.#bridgeName(), port, hostIf: names.host, insideIf: names.inside, netns, mac: attachment.mac, address, prefix: subnet.prefix, workload });
        // OVN sets `up` once ovn-controller installed the port's flows (ovn-installed), ACLs included.
        await this.#waitUp(port);
      } catch (error) {
        await this.#unwire(attachment).catch(() => undefined);
        throw error;
      }
      return attachment;
    });
  }

  /** Takes `workload` off `network` (its port and wiring). Idempotent. */
  async detach(network: WorkloadId, workload: WorkloadId): Promise<void> {
    await this.#locks.run(network, async () => {
      const mine = (await this.attachments(network)).find((a) => a.workload === workload);
      if (mine) await this.#unwire(mine);
    });
  }

  /** Takes `workload` off every network except those in `keep` (its ports found by their external_ids). */
  async detachWorkload(workload: WorkloadId, keep: readonly string[]): Promise<void> {
    const out = await this.#nb(['--format=json', '--columns=external_ids', 'find', 'logical_switch_port', `external_ids:khutulun-workload="${workload}"`]);
    const networks = new Set(jsonRows(out).map((r) => cellMap(r['external_ids'])['khutulun-network'] ?? ''));
    for (const network of networks) if (network && !keep.includes(network)) await this.detach(network, workload);
  }

  async #unwire(a: Pick<NetworkAttachment, 'port' | 'hostInterface'>): Promise<void> {
    await unwire({ ovsDb: this.#endpoints.ovsDb, bridge: await this.#bridgeName(), hostIf: a.hostInterface });
    await this.#nb(['--if-exists', 'lsp-del', a.port]);
  }

  async #waitUp(port: string): Promise<void> {
    const deadline = this.#clock.now() + this.#portUpTimeoutMs;
    for (;;) {
      const up = (await this.#nb(['lsp-get-up', port])).trim();
      if (up === 'up') return;
      if (this.#clock.now() >= deadline) {
        throw ovnError(OvnErrorCode.portDown, `logical port ${port} did not come up on this chassis within ${this.#portUpTimeoutMs} ms`, 'check that ovn-controller runs and is connected to the southbound database (its log), then retry', { retryable: true });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
