/**
 * logs/exec through the agent API and the CLI: two real agents (loopback), a node owned by beta,
 * asked through alpha — alpha forwards to beta, whose runtime answers; the CLI's `logs`, `exec`
 * and `events` run in-process against alpha. The runtime is a small fake (the real process runtime
 * is exercised end to end in test/unit/cli/operator-e2e.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import type { DeploymentEngine, DeploymentStatus } from '../../../agent/index.js';
import type { ExecSession, LogChunk, LogReadOptions, RuntimeAdapter } from '../../../runtimes/runtime-adapter.js';
import type { ObservedWorkload } from '../../../runtimes/workload.js';
import { ChunkChannel } from '../../../runtimes/workload-io.js';
import { findNode } from '../../../agent/workload-routes.js';
import { main } from '../../../cli/main.js';
import { harness, TOKEN, until } from './helpers.js';

const h = harness();
afterAll(() => h.close());

class FakeRuntime implements RuntimeAdapter {
  readonly name = 'fake';
  readonly calls: string[] = [];
  #more = new ChunkChannel();
  constructor(readonly workload: string) {}
  async ready(): Promise<void> {}
  async ensure(): Promise<ObservedWorkload> {
    throw new Error('unused');
  }
  async observe(id: string): Promise<ObservedWorkload | undefined> {
    return id === this.workload ? { id, runtime: 'fake', state: 'running' } : undefined;
  }
  async remove(): Promise<void> {}
  async list(): Promise<ObservedWorkload[]> {
    return [];
  }
  subscribe(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
  /** Writes a line to the followed log. */
  later(text: string): void {
    this.#more.push({ stream: 'stdout', text });
  }
  async *logs(id: string, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
    this.calls.push(`logs ${id} ${JSON.stringify({ tail: options.tail, follow: options.follow })}`);
    if (options.since !== undefined) throw new KhutulunError('KH-RT-IO-OPTION', 'no times here', { hint: 'use --tail' });
    yield { stream: 'stdout', text: 'line 1\nline 2\n' };
    yield { stream: 'stderr', text: 'warning\n' };
    if (!options.follow) return;
    const it = this.#more[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([it.next(), new Promise<undefined>((r) => options.signal?.addEventListener('abort', () => r(undefined)))]);
      if (!next || next.done) return;
      yield next.value;
    }
  }
  async exec(id: string, command: readonly string[]): Promise<ExecSession> {
    this.calls.push(`exec ${id} ${command.join(' ')}`);
    const c = new ChunkChannel();
    c.push({ stream: 'stdout', text: `ran ${command.join(' ')}\n` });
    c.push({ stream: 'stderr', text: 'to stderr\n' });
    c.end();
    return { output: c, exitCode: Promise.resolve(7) };
  }
}

function fakeEngine(owner: () => string): DeploymentEngine {
  const status = async (name: string): Promise<DeploymentStatus> => {
    if (name !== 'shop') throw new KhutulunError('KH-AGENT-030', `no deployment named "${name}"`);
    return { name, state: 'deployed', nodes: [{ id: 'nodes/web', template: 'web', host: owner(), state: 'started' }], outputs: {} };
  };
  return {
    deploy: () => Promise.reject(new Error('unused')),
    plan: () => Promise.reject(new Error('unused')),
    update: () => Promise.reject(new Error('unused')),
    run: () => Promise.reject(new Error('unused')),
    scale: () => Promise.reject(new Error('unused')),
    status,
    outputs: async () => ({}),
    graph: () => Promise.reject(new Error('unused')),
    history: () => Promise.reject(new Error('unused')),
    undeploy: status,
    list: async () => [{ name: 'shop', state: 'deployed', nodes: 1 }],
    idle: async () => undefined,
  };
}

function cli(): { io: { stdout: (t: string) => void; stderr: (t: string) => void; env: NodeJS.ProcessEnv; cwd: string }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  // The token comes from the environment: never from argv (docs/security.md).
  return { io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: { KHUTULUN_TOKEN: TOKEN }, cwd: process.cwd() }, out, err };
}

describe('logs and exec through the owning agent', () => {
  it('finds a node by id, template or last segment, and says which exist', () => {
    const nodes = [
      { id: 'nodes/web', template: 'web', host: 'h', state: 's' },
      { id: 'nodes/db', template: 'db', host: 'h', state: 's' },
    ];
    expect(findNode(nodes, 'nodes/db').template).toBe('db');
    expect(findNode(nodes, 'web').id).toBe('nodes/web');
    expect(() => findNode(nodes, 'cache')).toThrow(/no node "cache"/);
  });

  it('forwards to the owner, streams logs and exec, follows, and reports coded errors', async () => {
    let betaId = '';
    const runtime = new FakeRuntime('shop/nodes/web');
    const beta = await h.start('beta', { engine: (ctx) => (ctx.publishRuntimes([runtime]), fakeEngine(() => ctx.hostId)) });
    betaId = beta.hostId;
    const alpha = await h.start('alpha', { peers: [beta.address], engine: (ctx) => (ctx.publishRuntimes([new FakeRuntime('other')]), fakeEngine(() => betaId)) });
    await until(undefined, () => alpha.hosts().some((x) => x.id === betaId && x.connected), 20_000, 'alpha to see beta connected');

    const auth = { authorization: `Bearer ${TOKEN}` };
    const res = await fetch(`${alpha.url}/v1/deployments/shop/nodes/web/logs?tail=5`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { stream: 'stdout', text: 'line 1\nline 2\n' },
      { stream: 'stderr', text: 'warning\n' },
    ]);
    expect(runtime.calls).toEqual(['logs shop/nodes/web {"tail":5,"follow":false}']);

    // An option the runtime refuses: an ordinary coded error, forwarded as is.
    const since = await fetch(`${alpha.url}/v1/deployments/shop/nodes/web/logs?since=1`, { headers: auth });
    expect(since.status).toBe(422);
    expect(((await since.json()) as { error: { code: string } }).error.code).toBe('KH-RT-IO-OPTION');
    const bad = await fetch(`${alpha.url}/v1/deployments/shop/nodes/web/logs?tail=x`, { headers: auth });
    expect(bad.status).toBe(400);
    const noNode = await fetch(`${alpha.url}/v1/deployments/shop/nodes/cache/logs`, { headers: auth });
    expect(noNode.status).toBe(404);
    expect(await fetch(`${alpha.url}/v1/deployments/shop/nodes/web/logs`)).toHaveProperty('status', 401);

    // The CLI, against alpha.
    const globals = ['--agent', alpha.url];
    const a = cli();
    expect(await main([...globals, 'logs', 'shop', 'web'], a.io)).toBe(0);
    expect(a.out.join('')).toBe('line 1\nline 2\n');
    expect(a.err.join('')).toBe('warning\n');
    const all = cli();
    expect(await main([...globals, 'logs', 'shop'], all.io)).toBe(0);
    expect(all.out.join('')).toBe('[web] line 1\n[web] line 2\n');
    const s = cli();
    expect(await main([...globals, 'logs', 'shop', 'web', '--since', '5m'], s.io)).toBe(1);
    expect(s.err.join('')).toContain('KH-RT-IO-OPTION');

    const e = cli();
    expect(await main([...globals, 'exec', 'shop', 'web', '--', 'ls', '-la'], e.io)).toBe(7);
    expect(e.out.join('')).toBe('ran ls -la\n');
    expect(e.err.join('')).toBe('to stderr\n');
    expect(runtime.calls).toContain('exec shop/nodes/web ls -la');
    const noCmd = cli();
    expect(await main([...globals, 'exec', 'shop', 'web'], noCmd.io)).toBe(2);
    const interactive = cli();
    expect(await main([...globals, 'exec', 'shop', 'web', '-it', '--', 'sh'], interactive.io)).toBe(2);
    expect(interactive.err.join('')).toContain('interactive exec');

    // Follow: a line written later arrives; closing stdout (a reader gone) ends the follow with 0.
    const closed = new AbortController();
    const f = cli();
    const following = main([...globals, 'logs', 'shop', 'web', '-f'], { ...f.io, stdoutClosed: closed.signal });
    await until(undefined, () => f.out.join('').includes('line 2'), 10_000, 'the first lines');
    runtime.later('line 3\n');
    await until(undefined, () => f.out.join('').includes('line 3'), 10_000, 'the followed line');
    closed.abort();
    expect(await following).toBe(0);
  });

  it('answers a quiet followed log at once (200, streaming) and ends it when the client leaves', async () => {
    let ended = false;
    const quiet = Object.assign(new FakeRuntime('shop/nodes/web'), {
      async *logs(_id: string, options: LogReadOptions = {}): AsyncIterable<LogChunk> {
        await new Promise<void>((r) => options.signal?.addEventListener('abort', () => r()));
        ended = true;
        yield* [];
      },
    });
    const a = await h.start('quiet', { engine: (ctx) => (ctx.publishRuntimes([quiet]), fakeEngine(() => ctx.hostId)) });
    const leave = new AbortController();
    const started = Date.now();
    const res = await fetch(`${a.url}/v1/deployments/shop/nodes/web/logs?follow=1`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: leave.signal });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    leave.abort();
    await until(undefined, () => ended, 10_000, 'the runtime follow to end');
  });

  it('serves /metrics in the Prometheus text format and the recent events as JSON', async () => {
    const a = await h.start('metered', { engine: () => fakeEngine(() => 'x') });
    a.events.publish({ type: 'node.transition', at: 1, deployment: 'shop', node: 'nodes/web', from: 'created', to: 'started' });
    a.events.publish({ type: 'node.transition', at: 2, deployment: 'shop', node: 'nodes/db', from: 'started', to: 'error' });
    const res = await fetch(`${a.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE khutulun_events_total counter');
    expect(text).toContain('khutulun_events_total{type="node.transition"} 2');
    expect(text).toContain('khutulun_actors{state="started"} 1');
    expect(text).toContain('khutulun_actors{state="error"} 1');
    expect(text).toContain('khutulun_node_errors_total{deployment="shop"} 1');
    expect((await fetch(`${a.url}/metrics`)).status).toBe(401);

    const c = cli();
    expect(await main(['--agent', a.url, 'events', 'shop', '-o', 'json'], c.io)).toBe(0);
    const events = c.out.join('').trim().split('\n').map((l) => JSON.parse(l) as { node: string; to: string });
    expect(events.map((e) => `${e.node}:${e.to}`)).toEqual(['nodes/web:started', 'nodes/db:error']);
    const t = cli();
    expect(await main(['--agent', a.url, 'events'], t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/node\.transition\s+shop\/nodes\/db {2}started -> error/);

    // -f: replayed events, then a live one; ends when stdout closes.
    const closed = new AbortController();
    const f = cli();
    const following = main(['--agent', a.url, 'events', '-f', '-o', 'json'], { ...f.io, stdoutClosed: closed.signal });
    await until(undefined, () => f.out.length >= 2, 10_000, 'the replayed events');
    a.events.publish({ type: 'deployment.created', at: 3, deployment: 'late' });
    await until(undefined, () => f.out.join('').includes('"late"'), 10_000, 'the live event');
    closed.abort();
    expect(await following).toBe(0);
  });
});
