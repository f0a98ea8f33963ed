import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { defaultDeploymentName } from '../../../cli/commands/deploy.js';
import { agentOptionsFromArgs, runAgent } from '../../../cli/commands/agent.js';
import { readAgentRecord } from '../../../agent/index.js';
import { harness, TOKEN, until } from './helpers.js';
import { testEngine, WEB_APP } from './test-engine.js';

async function cli(argv: string[], env: Record<string, string> = {}, cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { HOME: '/nonexistent-home', ...env }, cwd });
  return { code, out, err };
}

describe('CLI against a running agent (main() in-process)', () => {
  const h = harness();
  afterEach(() => h.close());

  it('deploy / status -o json / outputs / undeploy follow the documented contract', async () => {
    const state = h.tmp();
    const a = await h.start('alpha', { stateDir: state, engine: testEngine({ stateDir: state }).engine });
    const dir = h.tmp();
    const file = join(dir, 'web.yaml');
    writeFileSync(file, WEB_APP);
    const dep = await cli(['--agent', a.url, 'deploy', file, '--input', 'port=8080', '--wait', '--timeout', '30s'], { KHUTULUN_TOKEN: TOKEN });
    expect(dep.code).toBe(0);
    expect(dep.out).toContain('deployment web:');
    expect(dep.err).toContain('web: deployed');

    const st = await cli(['--agent', a.url, 'status', 'web', '-o', 'json'], { KHUTULUN_TOKEN: TOKEN });
    expect(st.code).toBe(0);
    expect(st.out.trim().split('\n')).toHaveLength(1);
    const status = JSON.parse(st.out);
    expect(Object.keys(status)).toEqual(['name', 'nodes', 'outputs']);
    expect(status.name).toBe('web');
    expect(status.nodes).toEqual([
      { id: 'nodes/app', template: 'app', host: 'alpha', state: 'started' },
      { id: 'nodes/db', template: 'db', host: 'alpha', state: 'started' },
      { id: 'nodes/proxy', template: 'proxy', host: 'alpha', state: 'started' },
    ]);
    expect(status.outputs).toEqual({ url: 'http://127.0.0.1:8080/' });

    const human = await cli(['--agent', a.url, 'status', 'web'], { KHUTULUN_TOKEN: TOKEN });
    expect(human.out).toMatch(/nodes\/proxy\s+proxy\s+alpha\s+started\s+0\s+1\/1/);
    const list = await cli(['--agent', a.url, 'status', '-o', 'json'], { KHUTULUN_TOKEN: TOKEN });
    expect(JSON.parse(list.out)).toEqual([{ name: 'web', state: 'deployed', nodes: 3 }]);

    const outs = await cli(['--agent', a.url, 'outputs', 'web'], { KHUTULUN_TOKEN: TOKEN });
    expect(outs.out).toBe('url = http://127.0.0.1:8080/\n');

    const un = await cli(['--agent', a.url, 'undeploy', 'web'], { KHUTULUN_TOKEN: TOKEN });
    expect(un).toMatchObject({ code: 0, out: 'deployment web: undeployed\n' });
    const after = await cli(['--agent', a.url, 'status', 'web'], { KHUTULUN_TOKEN: TOKEN });
    expect(after.code).toBe(1);
    expect(after.err).toContain('KH-AGENT-030');
  });

  it('hosts -o json prints the documented array for a two-host cluster', async () => {
    const a = await h.start('alpha');
    const b = await h.start('beta', { peers: [a.address] });
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 2, 10_000, 'membership');
    const r = await cli(['--agent', a.url, 'hosts', '-o', 'json'], { KHUTULUN_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    const hosts = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(hosts.map((x) => Object.keys(x))).toEqual([
      ['name', 'address', 'connected', 'lastSeen'],
      ['name', 'address', 'connected', 'lastSeen'],
    ]);
    expect(hosts).toEqual([
      { name: 'alpha', address: a.address, connected: true, lastSeen: expect.any(String) },
      { name: 'beta', address: b.address, connected: true, lastSeen: expect.any(String) },
    ]);
    expect(Number.isNaN(Date.parse(String(hosts[0]!['lastSeen'])))).toBe(false);
  });

  it('finds the agent recorded in the state dir when --agent is absent', async () => {
    const dir = h.tmp();
    await h.start('alpha', { stateDir: dir });
    const viaFlag = await cli(['hosts', '-o', 'json', '--state', dir]);
    expect(viaFlag.code).toBe(0);
    expect(JSON.parse(viaFlag.out)[0].name).toBe('alpha');
    const viaEnv = await cli(['hosts', '-o', 'json'], { KHUTULUN_HOME: dir });
    expect(viaEnv.code).toBe(0);
    const viaGlobal = await cli(['--state', dir, 'hosts', '-o', 'json']);
    expect(viaGlobal.code).toBe(0);
  });

  it('says what to do when no agent runs for the state dir, or the agent is unreachable, or the token is wrong', async () => {
    const dir = h.tmp();
    const none = await cli(['status', 'web'], { KHUTULUN_HOME: dir });
    expect(none.code).toBe(1);
    expect(none.err).toContain(`KH-CLIENT-003: no agent running for state dir ${dir}`);
    expect(none.err).toContain('khutulun up FILE');
    const dead = await cli(['--agent', 'http://127.0.0.1:1', 'hosts']);
    expect(dead.code).toBe(1);
    expect(dead.err).toContain('KH-CLIENT-001');
    const a = await h.start('alpha');
    const denied = await cli(['--agent', a.url, 'hosts'], { KHUTULUN_TOKEN: 'wrong-token-zzzzzz' });
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('KH-AGENT-010');
    const usage = await cli(['--agent', a.url, 'status', 'a', 'b']);
    expect(usage.code).toBe(2);
  });

  it('derives deployment names from file names', () => {
    expect(defaultDeploymentName('/x/hello-web/service.yaml')).toBe('hello-web');
    expect(defaultDeploymentName('/x/My_App.yaml')).toBe('my-app');
  });

  it('`khutulun agent` parses its flags, records itself in the state dir, and stops cleanly', async () => {
    const dir = h.tmp();
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, env: {}, cwd: dir };
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const options = agentOptionsFromArgs(
      ['--name', 'edge-1', '--listen', '127.0.0.1:0', '--state', 'st', '--token-file', 'token', '--labels', 'zone=a,tier=edge', '--log-level', 'error'],
      io,
      {},
    );
    expect(options).toMatchObject({ name: 'edge-1', token: TOKEN, stateDir: join(dir, 'st'), labels: { zone: 'a', tier: 'edge' } });
    expect(agentOptionsFromArgs(['--name', 'x', '--limit', 'maxConnectionsPerClient=128', '--limit', 'headersTimeoutMs=5000'], io, {}).limits).toEqual({
      maxConnectionsPerClient: 128,
      headersTimeoutMs: 5000,
    });
    expect(() => agentOptionsFromArgs(['--name', 'x', '--limit', 'nope=1'], io, {})).toThrow(expect.objectContaining({ code: 'KH-CLI-USAGE' }));
    // Secrets never in argv; a token file others may read is refused.
    expect(() => agentOptionsFromArgs(['--name', 'x', '--token', TOKEN], io, {})).toThrow(expect.objectContaining({ code: 'KH-CLI-USAGE', hint: expect.stringContaining('--token-file') }));
    writeFileSync(join(dir, 'open-token'), `${TOKEN}\n`, { mode: 0o644 });
    expect(() => agentOptionsFromArgs(['--name', 'x', '--token-file', 'open-token'], io, {})).toThrow(expect.objectContaining({ code: 'KH-FILE-PERMS' }));
    const argvToken = await cli(['--token', TOKEN, 'hosts']);
    expect(argvToken.code).toBe(2);
    expect(argvToken.err).toContain('--token-file');
    const viaFile = await cli(['--token-file', join(dir, 'open-token'), 'hosts']);
    expect(viaFile.code).toBe(2);
    expect(viaFile.err).toContain('KH-FILE-PERMS');
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runAgent(options, io, stopped);
    await until(undefined, () => readAgentRecord(join(dir, 'st')) !== undefined, 10_000, 'agent.json');
    const r = await cli(['--state', join(dir, 'st'), 'hosts', '-o', 'json']);
    expect(JSON.parse(r.out)[0]).toMatchObject({ name: 'edge-1', connected: true });
    stop();
    await running;
    expect(out).toMatch(/^agent edge-1 \(h-[0-9a-f]{16}\) listening on http:\/\/127\.0\.0\.1:(\d+)\nlive page: http:\/\/127\.0\.0\.1:\1\/login\?code=[0-9a-f]{64} \(one-time link, expires \d\d:\d\d UTC; `khutulun ui` prints a new one\)\n$/);
    expect(readAgentRecord(join(dir, 'st'))).toBeUndefined();
    expect(() => agentOptionsFromArgs(['--listen', '127.0.0.1:0'], io, {})).toThrow(/--name is required/);
  });
});
