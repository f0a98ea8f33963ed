/**
 * Real `khutulun agent` processes in network namespaces, driven only through the CLI
 * (`khutulun --agent URL ...`) as an operator would: start/restart agents, run commands inside a
 * host's namespace, read `status -o json`, and see which workload ports listen on a host. Waits
 * that time out print the last lines each agent logged.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NetnsCluster, waitFor as waitForRaw } from './netns-harness.js';
import type { NetnsProcess } from './netns-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'test/unit/cli/up-launcher.ts');
const AGENT_PORT = 7700;

export interface Status {
  name: string;
  nodes: { id: string; template: string; host: string; state: string }[];
  outputs: Record<string, unknown>;
}

/** One process pinned to a zone, answering "<name> at <address>" on its reserved port. */
export const pinnedService = (name: string, zone: string): string => `
tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    ${name}:
      type: Process
      properties:
        host_labels: { zone: ${zone} }
        command: node
        args: ${serveArgs(name)}
        ports: [ { name: tcp, port: 0 } ]
`;

/** `args` of a node process that answers "<label> at <address>" on $PORT. */
export function serveArgs(label: string): string {
  return `[ -e, "require('net').createServer((s) => s.end('${label} at ' + s.localAddress + '\\\\n')).listen(Number(process.env.PORT), '0.0.0.0')" ]`;
}

export class AgentCluster {
  readonly net: NetnsCluster;
  readonly base: string;
  readonly agents: (NetnsProcess | undefined)[] = [];
  readonly #token: string;
  readonly #agentArgs: readonly string[];

  /** `agentArgs`: extra `khutulun agent` flags for every host (heartbeat, disconnect policy, ...). */
  constructor(size: number, token: string, agentArgs: readonly string[]) {
    this.base = mkdtempSync(join(tmpdir(), 'kh-agent-cluster-'));
    this.net = NetnsCluster.create(size);
    this.#token = token;
    // Secrets never in argv: the agents read the token from an owner-only file, the CLI from the env.
    writeFileSync(join(this.base, 'token'), `${token}\n`, { mode: 0o600 });
    this.#agentArgs = agentArgs;
  }

  get size(): number {
    return this.net.size;
  }

  /** Starts (or restarts) host i's agent: labels zone=z<i>, every other host as a peer. */
  startAgent(i: number): void {
    const args = ['--import', 'tsx', CLI, 'agent', '--name', `host${i}`, '--listen', `${this.net.address(i)}:${AGENT_PORT}`, '--state', join(this.base, `h${i}`)];
    args.push('--token-file', join(this.base, 'token'), '--labels', `zone=z${i}`, '--log-level', 'warn', ...this.#agentArgs);
    for (let j = 0; j < this.net.size; j++) if (j !== i) args.push('--peer', `${this.net.address(j)}:${AGENT_PORT}`);
    this.agents[i] = this.net.spawn(i, process.execPath, args, { ...process.env, KHUTULUN_HOME: join(this.base, `home${i}`) });
  }

  /** Runs the CLI inside host i's namespace against host i's agent. */
  async cli(i: number, ...args: string[]): Promise<{ code: number | null; out: string }> {
    const p = this.net.spawn(i, process.execPath, ['--import', 'tsx', CLI, '--agent', `http://${this.net.address(i)}:${AGENT_PORT}`, ...args], { ...process.env, KHUTULUN_TOKEN: this.#token });
    const code = await p.exited;
    return { code, out: p.output() };
  }

  async status(i: number, name: string): Promise<Status | undefined> {
    const r = await this.cli(i, 'status', name, '-o', 'json');
    const line = r.out.split('\n').find((l) => l.startsWith('{"name"'));
    return r.code === 0 && line ? (JSON.parse(line) as Status) : undefined;
  }

  /** The same status, every node started, as seen from each of `hosts`; undefined until then. */
  async settled(name: string, hosts: readonly number[]): Promise<Status | undefined> {
    const all = await Promise.all(hosts.map((i) => this.status(i, name)));
    if (all.some((s) => !s || s.nodes.some((n) => n.state !== 'started'))) return undefined;
    return all.every((s) => JSON.stringify(s!.nodes) === JSON.stringify(all[0]!.nodes)) ? all[0] : undefined;
  }

  /** Listening TCP ports inside host i's namespace other than the agent's, sorted. */
  workloadPorts(i: number): number[] {
    const out = execFileSync('ip', ['netns', 'exec', this.net.namespace(i), 'ss', '-ltnH'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => /\S+:(\d+)\s+\S+\s*$/.exec(l.trim())?.[1])
      .filter((p): p is string => p !== undefined)
      .map(Number)
      .filter((p) => p !== AGENT_PORT)
      .sort();
  }

  /** Starts every agent and waits until host 0 sees them all connected. */
  async startAll(): Promise<void> {
    for (let i = 0; i < this.net.size; i++) this.startAgent(i);
    await this.waitFor('every host connected', async () => {
      const r = await this.cli(0, 'hosts', '-o', 'json');
      const line = r.out.split('\n').find((l) => l.startsWith('['));
      const hosts = line ? (JSON.parse(line) as { connected: boolean }[]) : [];
      return hosts.length === this.net.size && hosts.every((h) => h.connected) ? true : undefined;
    }, 60_000, 1000);
  }

  /** netns-harness waitFor that, on a timeout, adds what each agent logged last. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs?: number, everyMs?: number): Promise<T> {
    try {
      return await waitForRaw(what, check, timeoutMs, everyMs);
    } catch (error) {
      const logs = this.agents.map((a, i) => `--- host${i} (last lines)\n${a?.output().split('\n').slice(-25).join('\n') ?? '(not running)'}`).join('\n');
      throw new Error(`${String(error)}\n${logs}`);
    }
  }

  async destroy(): Promise<void> {
    await this.net.destroy();
    rmSync(this.base, { recursive: true, force: true });
  }
}
