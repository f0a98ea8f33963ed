/**
 * ConnectsTo under `khutulun up` with processes only (no daemon): the source gets
 * `<REQUIREMENT>_ADDRESS/_PORT/_URL` of the target's bound endpoint (a port Khutulun chose), and
 * an explicit `env` entry in the template wins over the wiring.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { alive, jsonLine, killPids, processRecords, startCli, waitFor, watchPids } from './up-helpers.js';

/** The workload's stderr log (what a crash printed). */
function readLog(state: string, id: string): string {
  try {
    return readFileSync(path.join(state, 'process', 'work', encodeURIComponent(id), 'logs', 'stderr.log'), 'utf8').slice(-1500);
  } catch {
    return '(no log)';
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'kh-up-connects-'));
const runs: CliRun[] = [];
const pids = new Set<number>();
let stopWatching = (): void => undefined;

afterAll(() => {
  stopWatching();
  killPids(runs.map((r) => r.child.pid));
  killPids(pids);
  rmSync(dir, { recursive: true, force: true });
});

const template = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
node_types:
  WebApp:
    derived_from: Process
    requirements:
      - database:
          capability: Endpoint
          relationship: ConnectsTo
      - cache:
          capability: Endpoint
          relationship: ConnectsTo
service_template:
  node_templates:
    db:
      type: Process
      properties:
        command: node
        args: [-e, "require('net').createServer((s) => s.end('db ok')).listen(Number(process.env.PORT), '127.0.0.1')"]
        ports: [{ name: sql, port: 0 }]
    cache:
      type: Process
      properties:
        command: node
        args: [-e, "require('net').createServer((s) => s.end('cache')).listen(Number(process.env.PORT), '127.0.0.1')"]
        ports: [{ name: kv, port: 0 }]
    web:
      type: WebApp
      properties:
        command: node
        args:
          - -e
          - >-
            require('http').createServer((q, r) => require('net').connect(Number(process.env.DATABASE_PORT), process.env.DATABASE_ADDRESS)
            .on('data', (d) => r.end(JSON.stringify({ db: String(d), env: process.env })))
            .on('error', (e) => r.end(JSON.stringify({ error: String(e), env: process.env }))))
            .listen(Number(process.env.PORT), '127.0.0.1')
        env:
          CACHE_ADDRESS: cache.example
        ports: [{ name: http, port: 0 }]
      requirements:
        - database: db
        - cache: cache
  outputs:
    url: { value: { $get_attribute: [ web, CAPABILITY, endpoint, url ] } }
    db_port: { value: { $get_attribute: [ db, CAPABILITY, endpoint, port ] } }
    cache_port: { value: { $get_attribute: [ cache, CAPABILITY, endpoint, port ] } }
`;

describe('khutulun up: ConnectsTo between processes', () => {
  it('hands the target endpoint to the source as <REQ>_ADDRESS/_PORT/_URL; explicit env wins', async () => {
    const file = path.join(dir, 'service.yaml');
    writeFileSync(file, template);
    const state = path.join(dir, 'state');
    const run = startCli(['up', file, '--name', 'connects', '--state', state, '-o', 'json']);
    runs.push(run);
    stopWatching = watchPids(state, pids);
    const { outputs } = (await waitFor('the outputs line', () => jsonLine(run), 90_000, run)) as { outputs: { url: string; db_port: number; cache_port: number } };
    // Bounded generously: on a loaded box the PID poll (50 ms) can lag the outputs line by seconds.
    await waitFor('3 workload PIDs', () => (pids.size >= 3 ? true : undefined), 20_000);
    // A fourth PID would mean a workload was restarted: say which, with its log.
    const logs = processRecords(state).map((r) => `${r.id} (restarts ${String((r as { restarts?: number }).restarts)}): ${readLog(state, r.id)}`);
    expect(pids.size, logs.join('\n')).toBe(3);
    stopWatching();
    expect(processRecords(state)).toHaveLength(3);
    expect(outputs.db_port).toBeGreaterThan(0);

    const deadline = Date.now() + 10_000;
    let body: { db?: string; env: Record<string, string> } | undefined;
    while (!body) {
      try {
        body = (await (await fetch(outputs.url)).json()) as typeof body;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(body!.db).toBe('db ok');
    expect(body!.env['DATABASE_ADDRESS']).toBe('127.0.0.1');
    expect(body!.env['DATABASE_PORT']).toBe(String(outputs.db_port));
    expect(body!.env['DATABASE_URL']).toBe(`http://127.0.0.1:${outputs.db_port}/`);
    expect(body!.env['CACHE_ADDRESS']).toBe('cache.example');
    expect(body!.env['CACHE_PORT']).toBe(String(outputs.cache_port));

    run.child.kill('SIGINT');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    expect((await run.exited).code).toBe(0);
    clearTimeout(timer);
    for (const pid of pids) await waitFor(`pid ${pid} to be gone`, () => (alive(pid) ? undefined : true), 10_000);
  }, 150_000);
});
