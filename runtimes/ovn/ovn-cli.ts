/**
 * The commands the OVN runtime drives (ovn-nbctl, ovs-vsctl, ip, ethtool, nsenter), always as argv
 * (never a shell), with a timeout, and their failures as coded errors. Also the JSON rows of
 * `ovn-nbctl --format=json find`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OvnErrorCode, ovnError } from './errors.js';

const exec = promisify(execFile);

/** Where OVN and OVS answer on this host (the defaults are Debian's rundirs). */
export interface OvnEndpoints {
  /** OVN northbound database, e.g. `unix:/var/run/ovn/ovnnb_db.sock` (env KH_OVN_NB_DB). */
  nbDb: string;
  /** Local Open vSwitch database (env KH_OVS_DB). */
  ovsDb: string;
}

export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): OvnEndpoints {
  return {
    nbDb: env['KH_OVN_NB_DB'] ?? 'unix:/var/run/ovn/ovnnb_db.sock',
    ovsDb: env['KH_OVS_DB'] ?? 'unix:/var/run/openvswitch/db.sock',
  };
}

const PACKAGES: Record<string, string> = {
  'ovn-nbctl': 'ovn-central (or ovn-common)',
  'ovs-vsctl': 'openvswitch-switch',
  ethtool: 'ethtool',
  ip: 'iproute2',
  nsenter: 'util-linux',
};

/** Runs one command; stdout on success, a coded error otherwise. */
export async function runCommand(file: string, args: readonly string[], timeoutMs = 15_000, input?: string): Promise<string> {
  try {
    const pending = exec(file, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) pending.child.stdin?.end(input);
    const { stdout } = await pending;
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (e.code === 'ENOENT') {
      throw ovnError(OvnErrorCode.unavailable, `${file} is not installed on this host`, `install ${PACKAGES[file] ?? file} (apt-get install openvswitch-switch ovn-central ovn-host ethtool) and start OVS/OVN (scripts/ci/daemons.sh start-ovn shows how)`);
    }
    const stderr = (e.stderr ?? '').trim();
    if (/database connection failed|No such file or directory.*\.sock|Connection refused|timed out|--no-wait/i.test(stderr) || e.killed === true) {
      throw ovnError(OvnErrorCode.unreachable, `${file} cannot reach its database: ${stderr || 'timeout'}`, 'start ovsdb-server/ovn-northd (scripts/ci/daemons.sh start-ovn) and point KH_OVN_NB_DB / KH_OVS_DB at their sockets', { retryable: true });
    }
    throw ovnError(OvnErrorCode.command, `${file} ${args.join(' ')} failed: ${stderr || e.message}`, 'see the message; the OVN/OVS logs say more', { retryable: false, cause: error });
  }
}

/** A JSON value of an OVSDB cell: atom, ["uuid", s], ["set", [...]], ["map", [[k, v]...]]. */
type Cell = unknown;

function atom(cell: Cell): unknown {
  return Array.isArray(cell) && (cell[0] === 'uuid' || cell[0] === 'named-uuid') ? cell[1] : cell;
}

/** A cell as a string map (external_ids, options). */
export function cellMap(cell: Cell): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(cell) && cell[0] === 'map' && Array.isArray(cell[1])) {
    for (const pair of cell[1] as unknown[]) {
      if (Array.isArray(pair)) out[String(atom(pair[0]))] = String(atom(pair[1]));
    }
  }
  return out;
}

/** A cell as a list of atoms (sets; a single atom is a one-element set). */
export function cellList(cell: Cell): string[] {
  if (Array.isArray(cell) && cell[0] === 'set') return (cell[1] as unknown[]).map((c) => String(atom(c)));
  return [String(atom(cell))];
}

/** Rows of `--format=json` output, as column -> raw cell. */
export function jsonRows(stdout: string): Record<string, Cell>[] {
  if (stdout.trim() === '') return [];
  const parsed = JSON.parse(stdout) as { headings: string[]; data: Cell[][] };
  return parsed.data.map((row) => Object.fromEntries(parsed.headings.map((h, i) => [h, row[i]])));
}

export function cellString(cell: Cell): string {
  return String(atom(cell));
}
