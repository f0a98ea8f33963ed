/**
 * Mutual TLS between agents and for API clients: real agents on 127.0.0.1 with certificates made
 * by scripts/tls/make-cluster-ca.sh (openssl) — one cluster CA, plus a foreign CA for intruders.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { agentOptionsFromArgs } from '../../../cli/commands/agent.js';
import { startAgent } from '../../../agent/index.js';
import type { LogLevel } from '../../../common/index.js';
import { harness, TOKEN, until } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/tls/make-cluster-ca.sh', import.meta.url));

interface Log {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}
function recorder(): { logs: Log[]; logger: { log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void } } {
  const logs: Log[] = [];
  return { logs, logger: { log: (level, message, fields = {}) => void logs.push({ level, message, fields }) } };
}

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { HOME: '/nonexistent-home', ...env }, cwd: process.cwd() });
  return { code, out, err };
}

/** One HTTPS GET with the given client TLS options: the status and body, or the error it failed with. */
function get(url: string, tls: { cert?: Buffer; key?: Buffer; ca?: Buffer }, token?: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const req = request(url, { ...tls, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: `${e.code ?? ''} ${e.message}` }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('mutual TLS between agents and for API clients', () => {
  const h = harness();
  let root: string;
  let cluster: string;
  let other: string;
  /** PEM paths of a host certificate in a CA dir. */
  const files = (dir: string, name: string, ca = join(dir, 'ca.pem')): { cert: string; key: string; ca: string } => ({
    cert: join(dir, `${name}.pem`),
    key: join(dir, `${name}-key.pem`),
    ca,
  });
  const pem = (dir: string, name: string): { cert: Buffer; key: Buffer; ca: Buffer } => {
    const f = files(dir, name);
    return { cert: readFileSync(f.cert), key: readFileSync(f.key), ca: readFileSync(join(cluster, 'ca.pem')) };
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kh-tls-test-'));
    cluster = join(root, 'cluster');
    other = join(root, 'other');
    const make = (...args: string[]): void => void execFileSync('bash', [SCRIPT, ...args], { stdio: 'pipe' });
    make(cluster, 'ca');
    for (const host of ['alpha', 'beta']) make(cluster, 'host', host, '127.0.0.1');
    make(cluster, 'host', 'operator'); // a CLI certificate: no addresses
    make(other, 'ca');
    make(other, 'host', 'intruder', '127.0.0.1');
    // The intruder trusts the cluster CA too, so only the cluster's verdict on ITS certificate stops it.
    writeFileSync(join(other, 'both.pem'), Buffer.concat([readFileSync(join(cluster, 'ca.pem')), readFileSync(join(other, 'ca.pem'))]));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => h.close());

  it('two agents with certificates from the cluster CA sync over wss://', async () => {
    const a = await h.start('alpha', { tls: files(cluster, 'alpha') });
    const b = await h.start('beta', { tls: files(cluster, 'beta'), peers: [a.address] });
    expect(a.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 2, 10_000, 'alpha to see beta');
    await until(b.cluster, () => Object.keys(b.cluster.doc().hosts).length === 2, 10_000, 'beta to see alpha');
    expect(a.connectedPeers()).toEqual([b.hostId]);
    expect(a.hosts().every((x) => x.connected)).toBe(true);
  });

  it('refuses (and logs) an agent whose certificate comes from another CA, although its token is right', async () => {
    const alpha = recorder();
    const a = await h.start('alpha', { tls: files(cluster, 'alpha'), logger: alpha.logger });
    const b = await h.start('beta', { tls: files(cluster, 'beta'), peers: [a.address] });
    const intruder = recorder();
    const i = await h.start('intruder', { tls: files(other, 'intruder', join(other, 'both.pem')), peers: [a.address], learnPeers: false, logger: intruder.logger });
    await until(undefined, () => alpha.logs.some((l) => l.message === 'refused TLS connection'), 10_000, 'alpha to log the refusal');
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 2, 10_000, 'beta to join');
    // Give the intruder a few more dial attempts (reconnect every second) to prove none gets through.
    await new Promise((r) => setTimeout(r, 2500));
    expect(Object.keys(a.cluster.doc().hosts).sort()).toEqual([a.hostId, b.hostId].sort());
    expect(a.connectedPeers()).toEqual([b.hostId]);
    expect(i.connectedPeers()).toEqual([]);
    expect(Object.keys(i.cluster.doc().hosts)).toEqual([i.hostId]);
    // The intruder's chain ends in its own (untrusted) CA. (A dial cut short by the reconnect timer
    // may be logged too, as 'socket hang up': look for the verdict on the certificate.)
    const refusal = alpha.logs.find((l) => l.message === 'refused TLS connection' && /CERT/.test(String(l.fields['reason'])));
    expect(refusal?.fields['from']).toBe('127.0.0.1');
    expect(refusal?.fields['reason']).toMatch(/CERT/);
    expect(intruder.logs.some((l) => l.message === 'peer TLS handshake failed' && l.fields['peer'] === a.address)).toBe(true);
  });

  it('the HTTP API refuses clients without a cluster certificate; with one, the token still applies', async () => {
    const alpha = recorder();
    const a = await h.start('alpha', { tls: files(cluster, 'alpha'), logger: alpha.logger });
    const hosts = `${a.url}/v1/hosts`;
    const ca = readFileSync(join(cluster, 'ca.pem'));

    const noCert = await get(hosts, { ca }, TOKEN);
    expect(noCert).toHaveProperty('error');
    const foreign = await get(hosts, { ...pem(other, 'intruder'), ca }, TOKEN);
    expect(foreign).toHaveProperty('error');
    expect(alpha.logs.filter((l) => l.message === 'refused TLS connection').length).toBeGreaterThanOrEqual(2);
    // Plain HTTP on the TLS port gets no API answer either.
    const plain = await fetch(hosts.replace('https:', 'http:'), { headers: { authorization: `Bearer ${TOKEN}` } }).then(
      (r) => r.status,
      () => 'failed',
    );
    expect(plain).not.toBe(200);

    const noToken = await get(hosts, pem(cluster, 'operator'));
    expect(noToken).toMatchObject({ status: 401 });
    const ok = await get(hosts, pem(cluster, 'operator'), TOKEN);
    expect(ok).toMatchObject({ status: 200 });
    expect((JSON.parse((ok as { body: string }).body) as Array<{ name: string }>).map((x) => x.name)).toEqual(['alpha']);

    const cliNoCert = await cli(['--agent', a.url, '--tls-ca', join(cluster, 'ca.pem'), 'hosts', '-o', 'json'], { KHUTULUN_TOKEN: TOKEN });
    expect(cliNoCert.code).toBe(1);
    expect(cliNoCert.err).toContain('KH-CLIENT-006');
    const intruder = files(other, 'intruder', join(cluster, 'ca.pem'));
    const cliForeign = await cli(['--agent', a.url, '--tls-ca', intruder.ca, '--tls-cert', intruder.cert, '--tls-key', intruder.key, 'hosts'], { KHUTULUN_TOKEN: TOKEN });
    expect(cliForeign.code).toBe(1);
    expect(cliForeign.err).toContain('KH-CLIENT-006');
    // No TLS options at all: global fetch does not trust the cluster CA.
    const cliBare = await cli(['--agent', a.url, 'hosts'], { KHUTULUN_TOKEN: TOKEN });
    expect(cliBare.code).toBe(1);
    expect(cliBare.err).toContain('KH-CLIENT-006');
  });

  it('the CLI with the operator certificate gets `hosts -o json` (flags, env, or the agent record)', async () => {
    const state = h.tmp();
    const a = await h.start('alpha', { tls: files(cluster, 'alpha'), stateDir: state });
    const b = await h.start('beta', { tls: files(cluster, 'beta'), peers: [a.address] });
    await until(a.cluster, () => Object.keys(a.cluster.doc().hosts).length === 2, 10_000, 'membership');
    const op = files(cluster, 'operator');
    const expected = [
      { name: 'alpha', address: a.address, connected: true, lastSeen: expect.any(String) },
      { name: 'beta', address: b.address, connected: true, lastSeen: expect.any(String) },
    ];

    const byFlags = await cli(['--agent', a.url, '--tls-ca', op.ca, '--tls-cert', op.cert, '--tls-key', op.key, 'hosts', '-o', 'json'], { KHUTULUN_TOKEN: TOKEN });
    expect(byFlags).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(byFlags.out)).toEqual(expected);

    // Environment, and a bare HOST:PORT (https because TLS files are given).
    const byEnv = await cli(['--agent', a.address, 'hosts', '-o', 'json'], {
      KHUTULUN_TOKEN: TOKEN,
      KHUTULUN_TLS_CERT: op.cert,
      KHUTULUN_TLS_KEY: op.key,
      KHUTULUN_TLS_CA: op.ca,
    });
    expect(byEnv.code).toBe(0);
    expect(JSON.parse(byEnv.out)).toEqual(expected);

    // No --agent: the state dir's agent.json carries the URL, the token and the agent's TLS files.
    const byRecord = await cli(['--state', state, 'hosts', '-o', 'json']);
    expect(byRecord.code).toBe(0);
    expect(JSON.parse(byRecord.out)).toEqual(expected);
  });

  it('bad TLS options are usage errors or coded errors with a hint', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: root };
    expect(() => agentOptionsFromArgs(['--name', 'x', '--tls-cert', 'c.pem'], io, {})).toThrow(/--tls-key, --tls-ca/);
    const ok = agentOptionsFromArgs(['--name', 'x', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-ca', 'ca.pem'], io, {});
    expect(ok.tls).toEqual({ cert: join(root, 'c.pem'), key: join(root, 'k.pem'), ca: join(root, 'ca.pem') });

    const missing = { ...files(cluster, 'alpha'), key: join(root, 'nope-key.pem') };
    await expect(startAgent({ name: 'x', token: TOKEN, tls: missing })).rejects.toMatchObject({ code: 'KH-AGENT-001', message: expect.stringContaining('ENOENT'), hint: expect.stringContaining('make-cluster-ca.sh') });
    const wrongKey = { ...files(cluster, 'alpha'), key: files(cluster, 'beta').key };
    await expect(startAgent({ name: 'x', token: TOKEN, tls: wrongKey })).rejects.toMatchObject({ code: 'KH-AGENT-001', message: expect.stringContaining('invalid TLS files') });
    const foreign = files(other, 'intruder', join(cluster, 'ca.pem'));
    await expect(startAgent({ name: 'x', token: TOKEN, tls: foreign })).rejects.toMatchObject({ code: 'KH-AGENT-001', message: expect.stringContaining('not signed by the CA') });

    const unreadable = await cli(['--agent', 'https://127.0.0.1:1', '--tls-ca', join(root, 'nope.pem'), 'hosts']);
    expect(unreadable.code).toBe(1);
    expect(unreadable.err).toContain('KH-CLIENT-005');
    const overHttp = await cli(['--agent', 'http://127.0.0.1:1', '--tls-ca', join(cluster, 'ca.pem'), 'hosts']);
    expect(overHttp.code).toBe(2);
    expect(overHttp.err).toContain('https://');
    const halfPair = await cli(['--agent', 'https://127.0.0.1:1', '--tls-cert', join(cluster, 'operator.pem'), 'hosts']);
    expect(halfPair.code).toBe(2);
  });
});
